import { describe, expect, it } from 'vitest';
import { parseDateRange, planAuditQuery } from '../../../shared/audit/query-plan.ts';
import { BadRequestError } from '../../../shared/base/errors.ts';

const day = { from: '2026-11-01T00:00:00.000Z', to: '2026-11-01T23:59:59.999Z' };

describe('access-log query plans', () => {
  it('a patient is served by byPatient, keyed within the caller’s organization', () => {
    const plan = planAuditQuery('org-a', { patient: 'p1', agent: 'u1', action: 'R' });
    expect(plan.index).toBe('byPatient');
    expect(plan.partitionKey).toEqual({ name: 'patientPk', value: 'org-a#p1' });
    expect(plan.filters).toEqual([
      { name: 'agentPk', value: 'org-a#u1' },
      { name: 'action', value: 'R' },
    ]);
  });

  it('an agent without a patient is served by byAgent, a purpose by byPurpose, the rest by byOrg', () => {
    expect(planAuditQuery('org-a', { agent: 'u1' }).index).toBe('byAgent');
    expect(planAuditQuery('org-a', { purpose: 'BTG', ...day }).partitionKey).toEqual({
      name: 'purposePk',
      value: 'org-a#BTG',
    });
    const plan = planAuditQuery('org-a', { outcome: '4', ...day });
    expect(plan.partitionKey).toEqual({ name: 'orgPk', value: 'org-a' });
    expect(plan.filters).toEqual([{ name: 'outcome', value: '4' }]);
  });

  it('the date range is a key condition that takes in every event of its bounding milliseconds', () => {
    const plan = planAuditQuery('org-a', day);
    expect(plan.sortKey).toEqual({ from: day.from, to: `${day.to}#~` });
    expect(`${day.to}#0194f0e8-0000-7000-8000-000000000000` <= (plan.sortKey.to ?? '')).toBe(true);
  });

  it('refuses an organization-wide query without a date range, or over more than 31 days', () => {
    expect(() => planAuditQuery('org-a', {})).toThrow(BadRequestError);
    expect(() => planAuditQuery('org-a', { from: day.from })).toThrow(/date range/);
    expect(() =>
      planAuditQuery('org-a', { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.001Z' }),
    ).toThrow(/31 days/);
    expect(() =>
      planAuditQuery('org-a', { from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' }),
    ).not.toThrow();
  });

  it('a patient or agent query may span any period', () => {
    expect(planAuditQuery('org-a', { patient: 'p1' }).sortKey).toEqual({});
    expect(() =>
      planAuditQuery('org-a', {
        agent: 'u1',
        from: '2020-01-01T00:00:00.000Z',
        to: '2026-01-01T00:00:00.000Z',
      }),
    ).not.toThrow();
  });
});

describe('FHIR date parameters', () => {
  it('ge and le of days give the whole days in UTC', () => {
    expect(parseDateRange(['ge2026-11-01', 'le2026-11-30'])).toEqual({
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-11-30T23:59:59.999Z',
    });
  });

  it('a day without a prefix is that day, and gt/lt exclude their bound', () => {
    expect(parseDateRange(['2026-11-05'])).toEqual({
      from: '2026-11-05T00:00:00.000Z',
      to: '2026-11-05T23:59:59.999Z',
    });
    expect(parseDateRange(['gt2026-11-05', 'lt2026-11-07'])).toEqual({
      from: '2026-11-06T00:00:00.000Z',
      to: '2026-11-06T23:59:59.999Z',
    });
  });

  it('dateTimes with a zone are instants, converted to UTC', () => {
    expect(parseDateRange(['ge2026-11-05T10:00:00+02:00'])).toEqual({ from: '2026-11-05T08:00:00.000Z' });
  });

  it('refuses malformed dates, dateTimes without a zone, impossible days and repeated bounds', () => {
    for (const values of [
      ['yesterday'],
      ['ge2026-11-05T10:00'],
      ['ge2026-02-30'],
      ['ge2026-11-01', 'ge2026-11-02'],
      ['sa2026-11-01'],
    ]) {
      expect(() => parseDateRange(values), values.join('&')).toThrow(BadRequestError);
    }
  });
});
