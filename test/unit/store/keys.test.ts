import { describe, expect, it } from 'vitest';
import {
  careLinkPk,
  careLinkPrefix,
  careLinkSk,
  resourcePk,
  searchPk,
  typePk,
  typeSk,
  versionSk,
} from '../../../shared/store/keys.ts';

describe('records table keys', () => {
  it('puts every item of one resource in one partition', () => {
    expect(resourcePk('org-1', 'Patient', 'abc')).toBe('org-1#Patient#abc');
  });

  it('sorts version items in version order, also past version 9', () => {
    const keys = [10, 2, 1, 9].map(versionSk).sort();
    expect(keys).toEqual([versionSk(1), versionSk(2), versionSk(9), versionSk(10)]);
  });

  it('keeps search items of different organizations, types and parameters apart', () => {
    const keys = new Set([
      searchPk('org-1', 'Patient', 'family', 't'),
      searchPk('org-2', 'Patient', 'family', 't'),
      searchPk('org-1', 'Practitioner', 'family', 't'),
      searchPk('org-1', 'Patient', 'given', 't'),
    ]);
    expect(keys.size).toBe(4);
  });

  it('never lets a search item collide with a resource partition', () => {
    expect(searchPk('org-1', 'Patient', 'family', 'x')).not.toBe(resourcePk('org-1', 'Patient', 'x'));
    expect(searchPk('org-1', 'Patient', 'family', 'x')).toContain('?');
  });

  it('orders the type listing by last update, then id', () => {
    expect(typePk('org-1', 'Patient')).toBe('org-1#Patient');
    expect(typeSk('2026-01-01T00:00:00.000Z', 'b') < typeSk('2026-01-02T00:00:00.000Z', 'a')).toBe(true);
  });

  it('scopes care relationships to one practitioner in one organization', () => {
    expect(careLinkPk('org-1', 'pr-1')).not.toBe(careLinkPk('org-2', 'pr-1'));
  });

  it("sorts a practitioner's care links with one patient by end, apart from other patients' links", () => {
    const early = careLinkSk('p-1', '2026-01-01T10:00:00.000Z', 'registration', 'p-1');
    const late = careLinkSk('p-1', '2026-03-01T10:00:00.000Z', 'appointment', 'a-1');
    expect(early < late).toBe(true);
    expect(late.startsWith(careLinkPrefix('p-1'))).toBe(true);
    // A patient id that extends another is not under its prefix.
    expect(
      careLinkSk('p-10', '2026-01-01T10:00:00.000Z', 'appointment', 'a-2').startsWith(careLinkPrefix('p-1')),
    ).toBe(false);
  });
});
