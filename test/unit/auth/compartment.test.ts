import { describe, expect, it, vi } from 'vitest';
import { compartmentAccess } from '../../../shared/auth/compartment.ts';
import type { Intent, PatientAccess } from '../../../shared/auth/policy.ts';
import type { Principal } from '../../../shared/auth/principal.ts';

const admin: Principal = { sub: 'a', role: 'admin', org: 'o' };
const patient: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };
const clinician: Principal = { sub: 'd', role: 'clinician', org: 'o', practitionerId: 'pr-1' };
const compliance: Principal = { sub: 'c', role: 'compliance', org: 'o' };

const appointment = { patientId: 'p-1', practitionerIds: ['pr-1'] };
const othersAppointment = { patientId: 'p-1', practitionerIds: ['pr-9'] };
const INTENTS: Intent[] = ['read', 'write', 'schedule'];

/** A Patient policy stand-in that records whether it was asked. */
const policy = (decision: PatientAccess) => vi.fn(async () => decision);

describe('access to a resource in a Patient compartment', () => {
  it('lets an admin do anything without asking the Patient policy', async () => {
    for (const intent of INTENTS) {
      const decide = policy({ allowed: false, hide: true });
      expect(await compartmentAccess(admin, othersAppointment, intent, decide)).toEqual({
        allowed: true,
        breakGlass: false,
      });
      expect(decide).not.toHaveBeenCalled();
    }
  });

  it('lets a patient read and schedule in their own compartment, and refuses writes with a 403', async () => {
    const decide = policy({ allowed: false, hide: true });
    expect(await compartmentAccess(patient, othersAppointment, 'read', decide)).toEqual({
      allowed: true,
      breakGlass: false,
    });
    expect(await compartmentAccess(patient, othersAppointment, 'schedule', decide)).toEqual({
      allowed: true,
      breakGlass: false,
    });
    expect(await compartmentAccess(patient, othersAppointment, 'write', decide)).toEqual({
      allowed: false,
      hide: false,
    });
    expect(decide).not.toHaveBeenCalled();
  });

  it("hides another patient's compartment from a patient, whatever the intent", async () => {
    const other: Principal = { ...patient, patientId: 'p-2' };
    for (const intent of INTENTS) {
      expect(
        await compartmentAccess(other, appointment, intent, policy({ allowed: true, breakGlass: false })),
      ).toEqual({ allowed: false, hide: true });
    }
  });

  it('lets a clinician the resource names as an actor in, without asking the Patient policy', async () => {
    for (const intent of INTENTS) {
      const decide = policy({ allowed: false, hide: true });
      expect(await compartmentAccess(clinician, appointment, intent, decide)).toEqual({
        allowed: true,
        breakGlass: false,
      });
      expect(decide).not.toHaveBeenCalled();
    }
  });

  it("gives any other clinician the Patient policy's decision on the compartment's patient", async () => {
    const decisions: PatientAccess[] = [
      { allowed: true, breakGlass: false },
      { allowed: false, hide: true },
      { allowed: true, breakGlass: true },
      { allowed: false, hide: false, breakGlass: true },
    ];
    for (const decision of decisions) {
      const decide = policy(decision);
      expect(await compartmentAccess(clinician, othersAppointment, 'schedule', decide)).toEqual(decision);
      expect(decide).toHaveBeenCalledTimes(1);
    }
  });

  it('asks the Patient policy for a Patient, which names no actor', async () => {
    const decide = policy({ allowed: true, breakGlass: true });
    expect(
      await compartmentAccess(clinician, { patientId: 'p-1', practitionerIds: [] }, 'read', decide),
    ).toEqual({
      allowed: true,
      breakGlass: true,
    });
    expect(decide).toHaveBeenCalledTimes(1);
  });

  it('does not take a clinician without a practitioner id for an actor', async () => {
    const anonymous: Principal = { sub: 'd', role: 'clinician', org: 'o' };
    const decide = policy({ allowed: false, hide: true });
    expect(await compartmentAccess(anonymous, appointment, 'read', decide)).toEqual({
      allowed: false,
      hide: true,
    });
    expect(decide).toHaveBeenCalledTimes(1);
  });

  it('never shows clinical content to compliance staff', async () => {
    for (const intent of INTENTS) {
      const decide = policy({ allowed: true, breakGlass: false });
      expect(await compartmentAccess(compliance, appointment, intent, decide)).toEqual({
        allowed: false,
        hide: true,
      });
      expect(decide).not.toHaveBeenCalled();
    }
  });
});
