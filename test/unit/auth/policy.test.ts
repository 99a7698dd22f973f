import { describe, expect, it } from 'vitest';
import { type CareLink, patientAccess } from '../../../shared/auth/policy.ts';
import type { Principal } from '../../../shared/auth/principal.ts';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const DAY = 24 * 60 * 60 * 1000;
const facts = (overrides: { gp?: string[]; care?: boolean; links?: CareLink[] } = {}) => ({
  patientId: 'p-1',
  generalPractitioners: overrides.gp ?? [],
  careLinks: async () =>
    overrides.links ?? (overrides.care ? [{ basis: 'appointment' as const, end: NOW + DAY }] : []),
  now: NOW,
  careAccessAfterMs: 30 * DAY,
});
const clinician: Principal = { sub: 'd', role: 'clinician', org: 'o', practitionerId: 'pr-1' };

describe('the patient access policy', () => {
  it('lets a patient read only their own record, and write none', async () => {
    const self: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };
    const other: Principal = { ...self, patientId: 'p-2' };
    expect(await patientAccess(self, facts(), 'read', undefined)).toEqual({
      allowed: true,
      breakGlass: false,
    });
    expect(await patientAccess(self, facts(), 'write', undefined)).toEqual({ allowed: false, hide: false });
    expect(await patientAccess(other, facts(), 'read', undefined)).toEqual({ allowed: false, hide: true });
  });

  it('lets a clinician in through the general practitioner or a care link, and hides the record otherwise', async () => {
    expect((await patientAccess(clinician, facts({ gp: ['pr-1'] }), 'write', undefined)).allowed).toBe(true);
    expect((await patientAccess(clinician, facts({ care: true }), 'read', undefined)).allowed).toBe(true);
    expect(await patientAccess(clinician, facts({ gp: ['pr-9'] }), 'read', undefined)).toEqual({
      allowed: false,
      hide: true,
    });
  });

  it('allows a clinician with a stated reason, flagged as break-glass', async () => {
    expect(await patientAccess(clinician, facts(), 'read', 'patient unconscious in the ER')).toEqual({
      allowed: true,
      breakGlass: true,
    });
  });

  it('grants a stated reason read, never write or scheduling: that refusal is flagged as break-glass', async () => {
    for (const intent of ['write', 'schedule'] as const) {
      expect(await patientAccess(clinician, facts(), intent, 'patient unconscious in the ER')).toEqual({
        allowed: false,
        hide: false,
        breakGlass: true,
      });
    }
    expect(await patientAccess(clinician, facts({ gp: ['pr-1'] }), 'write', 'reason long enough')).toEqual({
      allowed: true,
      breakGlass: false,
    });
  });

  it('lets a patient book for themself but not change their record', async () => {
    const self: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };
    expect((await patientAccess(self, facts(), 'schedule', undefined)).allowed).toBe(true);
  });

  it('honours a care link until the configured period after its basis ended, and not after', async () => {
    const ended = (daysAgo: number): CareLink[] => [{ basis: 'appointment', end: NOW - daysAgo * DAY }];
    expect((await patientAccess(clinician, facts({ links: ended(29) }), 'read', undefined)).allowed).toBe(
      true,
    );
    expect((await patientAccess(clinician, facts({ links: ended(30) }), 'read', undefined)).allowed).toBe(
      true,
    );
    expect(await patientAccess(clinician, facts({ links: ended(30.01) }), 'read', undefined)).toEqual({
      allowed: false,
      hide: true,
    });
    const registered: CareLink[] = [{ basis: 'registration', end: NOW - 31 * DAY }];
    expect((await patientAccess(clinician, facts({ links: registered }), 'read', undefined)).allowed).toBe(
      false,
    );
    expect(
      (
        await patientAccess(
          clinician,
          facts({ links: [{ basis: 'appointment', end: Number.NaN }] }),
          'read',
          undefined,
        )
      ).allowed,
    ).toBe(false);
  });

  it('never shows clinical content to compliance staff', async () => {
    const compliance: Principal = { sub: 'c', role: 'compliance', org: 'o' };
    expect((await patientAccess(compliance, facts(), 'read', 'reason long enough')).allowed).toBe(false);
  });
});
