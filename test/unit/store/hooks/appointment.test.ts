import { beforeEach, describe, expect, it } from 'vitest';
import { AuditTrail } from '../../../../shared/audit/trail.ts';
import type { Principal } from '../../../../shared/auth/principal.ts';
import { HttpError } from '../../../../shared/base/errors.ts';
import type { Appointment } from '../../../../shared/fhir/appointment.ts';
import { routes } from '../../../../shared/routes.ts';
import { appointmentAccess, appointmentType } from '../../../../shared/store/hooks/appointment.ts';
import { bookingPlan, checkBooking } from '../../../../shared/store/hooks/appointment-booking.ts';
import { changePlan, checkPatientPatch } from '../../../../shared/store/hooks/appointment-changes.ts';
import {
  appointmentMatches,
  byParticipant,
  planAppointmentSearch,
} from '../../../../shared/store/hooks/appointment-search.ts';
import type { StoreRequest } from '../../../../shared/store/hooks/types.ts';
import type { Stored } from '../../../../shared/store/resources.ts';
import { fakeStore, headItem, type SentCommand, storeEnvironment } from '../../../support/fake-store.ts';

let sent: SentCommand[] = [];
beforeEach(() => {
  storeEnvironment();
  sent = [];
});

const booked: Appointment = {
  resourceType: 'Appointment',
  id: 'a-1',
  status: 'booked',
  start: '2026-12-21T09:00:00Z',
  end: '2026-12-21T09:30:00Z',
  participant: [
    { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/pr-1' }, status: 'accepted' },
  ],
};

const stored = (resource: Appointment): Stored<Appointment> => ({
  id: 'a-1',
  versionId: 1,
  lastUpdated: '2026-12-01T00:00:00.000Z',
  deleted: false,
  resource,
  tokens: [],
  payload: new Uint8Array(),
});

function requestOf(principal: Omit<Principal, 'sub' | 'org'>, breakGlassReason?: string): StoreRequest {
  const caller: Principal = { sub: 'u-1', org: 'org-1', ...principal };
  return {
    principal: caller,
    audit: new AuditTrail(routes.readAppointment, caller, {
      requestId: 'r-1',
      sourceIp: '::1',
      userAgent: 'test',
    }),
    breakGlassReason,
  };
}

/** A store holding Patient/p-1 (general practitioner pr-gp) and Practitioner/pr-1, and no care links. */
async function clinic(): Promise<void> {
  const patient = await headItem('org-1', 'Patient', {
    resourceType: 'Patient',
    id: 'p-1',
    generalPractitioner: [{ reference: 'Practitioner/pr-gp' }],
  });
  const practitioner = await headItem('org-1', 'Practitioner', { resourceType: 'Practitioner', id: 'pr-1' });
  const heads: Record<string, unknown> = {
    'org-1#Patient#p-1': patient,
    'org-1#Practitioner#pr-1': practitioner,
  };
  sent = fakeStore((command) => {
    if (command.name === 'GetCommand') {
      const key = command.input.Key as { pk: string };
      return { Item: heads[key.pk] };
    }
    return { Items: [] };
  });
}

const BREAK_GLASS = 'unconscious patient in the emergency room';

const version = (resource: Appointment) => ({
  id: 'a-1',
  versionId: 2,
  lastUpdated: '2026-12-02T00:00:00.000Z',
  resource,
});

describe('the Appointment type', () => {
  it('is in the Patient compartment by its patient participant, and changed under the schedule intent', () => {
    expect(appointmentType.compartmentPatient?.(booked)).toBe('p-1');
    expect(appointmentType.changeIntent).toBe('schedule');
    expect(appointmentType.patientCompartment).toEqual(['actor']);
  });
});

describe('who may see or change an appointment', () => {
  it('lets an admin, the patient and the practitioner’s own clinician, and hides it from others', async () => {
    const decide = (principal: Omit<Principal, 'sub' | 'org'>) =>
      appointmentAccess(requestOf(principal), stored(booked), 'schedule');
    expect(await decide({ role: 'admin' })).toEqual({ allowed: true, breakGlass: false });
    expect(await decide({ role: 'patient', patientId: 'p-1' })).toEqual({ allowed: true, breakGlass: false });
    expect(await decide({ role: 'patient', patientId: 'p-2' })).toEqual({ allowed: false, hide: true });
    expect(await decide({ role: 'clinician', practitionerId: 'pr-1' })).toEqual({
      allowed: true,
      breakGlass: false,
    });
    expect(await decide({ role: 'compliance' })).toEqual({ allowed: false, hide: true });
  });

  it('asks the Patient policy for another practitioner’s clinician, once per patient and intent in a request', async () => {
    await clinic();
    const gp = requestOf({ role: 'clinician', practitionerId: 'pr-gp' });
    expect(await appointmentAccess(gp, stored(booked), 'read')).toEqual({ allowed: true, breakGlass: false });
    expect(await appointmentAccess(gp, stored(booked), 'read')).toEqual({ allowed: true, breakGlass: false });
    expect(sent.filter((command) => command.name === 'GetCommand')).toHaveLength(1);
    const stranger = requestOf({ role: 'clinician', practitionerId: 'pr-9' });
    expect(await appointmentAccess(stranger, stored(booked), 'read')).toEqual({ allowed: false, hide: true });
  });

  it('lets break-glass read but never change: the refusal carries breakGlass for the audited 403', async () => {
    await clinic();
    const emergency = requestOf({ role: 'clinician', practitionerId: 'pr-9' }, BREAK_GLASS);
    expect(await appointmentAccess(emergency, stored(booked), 'read')).toEqual({
      allowed: true,
      breakGlass: true,
    });
    expect(await appointmentAccess(emergency, stored(booked), 'schedule')).toEqual({
      allowed: false,
      hide: true,
      breakGlass: true,
    });
  });
});

describe('the checks of a booking', () => {
  const future: Appointment = {
    ...booked,
    start: new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000).toISOString(),
    end: new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 86_400_000 + 1_800_000).toISOString(),
  };
  const status = async (run: Promise<unknown>) => {
    try {
      await run;
    } catch (error) {
      if (error instanceof HttpError) return { status: error.status, message: error.message };
      throw error;
    }
    return undefined;
  };

  it('lets a patient book only for themself (403)', async () => {
    await clinic();
    expect(await status(checkBooking(requestOf({ role: 'patient', patientId: 'p-2' }), future))).toEqual({
      status: 403,
      message: 'a patient may book appointments only for themself',
    });
  });

  it('refuses an unknown practitioner, and a patient the clinician may not schedule for, as unknown (422)', async () => {
    await clinic();
    const other = {
      ...future,
      participant: [
        booked.participant[0] ?? { status: 'accepted' as const },
        { actor: { reference: 'Practitioner/pr-2' }, status: 'accepted' as const },
      ],
    };
    expect(await status(checkBooking(requestOf({ role: 'admin' }), other))).toEqual({
      status: 422,
      message: 'Practitioner/pr-2 is not known',
    });
    expect(
      await status(checkBooking(requestOf({ role: 'clinician', practitionerId: 'pr-9' }), future)),
    ).toEqual({
      status: 422,
      message: 'Patient/p-1 is not known',
    });
  });

  it('refuses a visit outside the working hours (this practitioner has none) with a 422', async () => {
    await clinic();
    expect(await status(checkBooking(requestOf({ role: 'admin' }), future))).toEqual({
      status: 422,
      message: 'the appointment is outside the practitioner’s working hours',
    });
  });
});

describe('what a booking adds to its transaction', () => {
  it('keeps the participant index keys in clear, locks both schedules and writes the care link', () => {
    const plan = bookingPlan(requestOf({ role: 'admin' }), version(booked));
    expect(plan.head).toMatchObject({
      patientPk: 'org-1#Appointment?patient=p-1',
      practitionerPk: 'org-1#Appointment?practitioner=pr-1',
      status: 'booked',
    });
    const items = plan.items ?? [];
    // 09:00-09:30 is part of an hour: per participant an hour item and six slot items.
    expect(items).toHaveLength(2 * 7 + 1);
    expect(items.at(-1)?.Put?.Item).toMatchObject({ pk: 'org-1#care#pr-1', basis: 'appointment' });
  });

  it('answers a failed lock condition with the 409 naming who is busy, and leaves other failures alone', () => {
    const plan = bookingPlan(requestOf({ role: 'admin' }), version(booked));
    const codes = (plan.items ?? []).map(() => 'None');
    expect(plan.onCancel?.(codes)).toBeUndefined();
    // The patient's first slot: after the practitioner's hour and six slots, and the patient's hour.
    codes[8] = 'ConditionalCheckFailed';
    const error = plan.onCancel?.(codes);
    expect(error instanceof HttpError && error.status).toBe(409);
    expect(error?.message).toBe(
      'the time is taken: Patient/p-1 already has an appointment between 2026-12-21T09:00Z and 2026-12-21T09:05Z',
    );
  });
});

describe('what a change adds to its transaction', () => {
  const cancelled: Appointment = { ...booked, status: 'cancelled', cancelationReason: { text: 'ill' } };

  it('writes the new status on the head and nothing else for an edit', () => {
    const plan = changePlan(
      requestOf({ role: 'admin' }),
      version({ ...booked, status: 'arrived' }),
      stored(booked),
    );
    expect(plan.head).toMatchObject({ status: 'arrived', startSk: '2026-12-21T09:00:00.000Z#a-1' });
    expect(plan.items).toEqual([]);
  });

  it('frees both schedules and deletes the care link when it cancels, once', () => {
    const plan = changePlan(requestOf({ role: 'admin' }), version(cancelled), stored(booked));
    const items = plan.items ?? [];
    expect(items).toHaveLength(2 * 7 + 1);
    expect(items.at(-1)?.Delete?.Key).toMatchObject({ pk: 'org-1#care#pr-1' });
    expect(changePlan(requestOf({ role: 'admin' }), version(cancelled), stored(cancelled)).items).toEqual([]);
  });

  it('refuses a patient’s patch beyond status and cancelationReason before it is applied (403)', () => {
    const operations = [{ op: 'replace' as const, path: '/description', value: 'x' }];
    expect(() =>
      checkPatientPatch(requestOf({ role: 'patient', patientId: 'p-1' }), stored(booked), operations),
    ).toThrow('a patient may only cancel: patch /status and /cancelationReason only');
    expect(() => checkPatientPatch(requestOf({ role: 'admin' }), stored(booked), operations)).not.toThrow();
  });
});

describe('where an Appointment search reads', () => {
  it('reads a participant index within the start range', () => {
    expect(
      byParticipant('byPatient', 'org-1#Appointment?patient=p-1', {
        _count: 10,
        from: Date.parse('2026-12-01T00:00:00Z'),
        to: Date.parse('2026-12-02T00:00:00Z'),
      }),
    ).toEqual({
      TableName: 'records',
      IndexName: 'byPatient',
      KeyConditionExpression: 'patientPk = :pk AND startSk BETWEEN :lower AND :upper',
      ExpressionAttributeValues: {
        ':pk': 'org-1#Appointment?patient=p-1',
        ':lower': '2026-12-01T00:00:00.000Z',
        ':upper': '2026-12-01T23:59:59.999Z#~',
      },
    });
    expect(byParticipant('byPractitioner', 'pk', { _count: 10 }).KeyConditionExpression).toBe(
      'practitionerPk = :pk',
    );
  });

  it('reads nothing for a patient asking for another patient, or for compliance', async () => {
    expect(
      await planAppointmentSearch(requestOf({ role: 'patient', patientId: 'p-1' }), {
        _count: 10,
        patient: 'p-2',
      }),
    ).toEqual({});
    expect(await planAppointmentSearch(requestOf({ role: 'compliance' }), { _count: 10 })).toEqual({});
    expect((await planAppointmentSearch(requestOf({ role: 'admin' }), { _count: 10 })).read).toBeDefined();
  });

  it('keeps the heads that meet status, participants and start range', () => {
    const head = stored(booked);
    expect(appointmentMatches({ _count: 10 })(head)).toBe(true);
    expect(
      appointmentMatches({ _count: 10, status: 'booked', patient: 'p-1', practitioner: 'pr-1' })(head),
    ).toBe(true);
    expect(appointmentMatches({ _count: 10, status: 'cancelled' })(head)).toBe(false);
    expect(appointmentMatches({ _count: 10, practitioner: 'pr-2' })(head)).toBe(false);
    expect(appointmentMatches({ _count: 10, from: Date.parse('2026-12-21T09:00:00Z') })(head)).toBe(true);
    expect(appointmentMatches({ _count: 10, to: Date.parse('2026-12-21T09:00:00Z') })(head)).toBe(false);
  });
});
