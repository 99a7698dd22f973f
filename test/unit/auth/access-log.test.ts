import { describe, expect, it } from 'vitest';
import { type AccessLogAsk, accessLogAccess } from '../../../shared/auth/access-log.ts';
import type { Principal } from '../../../shared/auth/principal.ts';

const compliance: Principal = { sub: 'c', role: 'compliance', org: 'o' };
const patient: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };
const clinician: Principal = { sub: 'd', role: 'clinician', org: 'o', practitionerId: 'pr-1' };
const admin: Principal = { sub: 'a', role: 'admin', org: 'o', practitionerId: 'pr-2' };

const LOG_ASKS: AccessLogAsk[] = [
  { interaction: 'search' },
  { interaction: 'read' },
  { interaction: 'verify' },
];
const report = (patientId: string): AccessLogAsk => ({ interaction: 'access-report', patientId });

describe('who may read the access log', () => {
  it("lets compliance staff search and read their organization's log with the break-glass reasons opened", () => {
    for (const interaction of ['search', 'read'] as const) {
      expect(accessLogAccess(compliance, { interaction })).toEqual({
        allowed: true,
        org: 'o',
        revealReasons: true,
      });
    }
  });

  it("lets compliance staff verify their organization's part of the chain", () => {
    expect(accessLogAccess(compliance, { interaction: 'verify' })).toEqual({
      allowed: true,
      org: 'o',
      revealReasons: false,
    });
  });

  it('refuses the log to patients, clinicians and admins with a 403', () => {
    for (const caller of [patient, clinician, admin]) {
      for (const ask of LOG_ASKS)
        expect(accessLogAccess(caller, ask)).toEqual({ allowed: false, hide: false });
    }
  });

  it('shows a patient who accessed their own record, without the reasons', () => {
    expect(accessLogAccess(patient, report('p-1'))).toEqual({
      allowed: true,
      org: 'o',
      patientId: 'p-1',
      revealReasons: false,
    });
  });

  it("hides another patient's report from everyone, compliance included", () => {
    expect(accessLogAccess(patient, report('p-2'))).toEqual({ allowed: false, hide: true });
    for (const caller of [compliance, clinician, admin]) {
      expect(accessLogAccess(caller, report('p-1'))).toEqual({ allowed: false, hide: true });
    }
  });

  it("keeps every grant inside the caller's organization", () => {
    const elsewhere: Principal = { ...compliance, org: 'other' };
    expect(accessLogAccess(elsewhere, { interaction: 'search' })).toMatchObject({
      allowed: true,
      org: 'other',
    });
  });
});
