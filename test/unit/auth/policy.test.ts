import { describe, expect, it } from 'vitest';
import { breakGlassReason, patientAccess } from '../../../shared/auth/policy.ts';
import type { Principal } from '../../../shared/auth/principal.ts';

const facts = (overrides: { gp?: string[]; care?: boolean } = {}) => ({
  patientId: 'p-1',
  generalPractitioners: overrides.gp ?? [],
  hasCareLink: async () => overrides.care ?? false,
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

  it('never shows clinical content to compliance staff', async () => {
    const compliance: Principal = { sub: 'c', role: 'compliance', org: 'o' };
    expect((await patientAccess(compliance, facts(), 'read', 'reason long enough')).allowed).toBe(false);
  });

  it('takes a break-glass reason of 10 to 500 characters and refuses others', () => {
    expect(breakGlassReason({})).toBeUndefined();
    expect(breakGlassReason({ 'x-break-glass-reason': '  unconscious patient  ' })).toBe(
      'unconscious patient',
    );
    expect(() => breakGlassReason({ 'x-break-glass-reason': 'short' })).toThrow(/10 to 500/);
    expect(() => breakGlassReason({ 'x-break-glass-reason': 'x'.repeat(501) })).toThrow(/10 to 500/);
  });
});
