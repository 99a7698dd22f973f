import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { itemText, orgRecordItems } from '../support/dynamo.ts';
import {
  createPatient,
  issueExpressions,
  newOrg,
  phiPatient,
  resourceOf,
  testPhi,
} from '../support/patients.ts';
import {
  APPOINTMENT_PHI,
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  expectedClaims,
  HOUR,
  idOf,
  MINUTE,
  mondayAfter,
  practitionerBody,
  RequestLog,
  scheduleClaims,
  utcDay,
  withOffset,
  workingHours,
} from '../support/schedule.ts';

const org = newOrg();
const log = new RequestLog();
let admin: string;
let practitionerId: string;
const patientIds: string[] = [];

/** A working day at least two weeks ahead, 08:00-18:00 UTC every day. */
const day = utcDay(15);
const at = (hours: number, minutes = 0) => day + hours * HOUR + minutes * MINUTE;

const call = async (path: string, options: Parameters<typeof api>[1] = {}) =>
  log.track(org, await api(path, options));

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'booking-admin' });
  practitionerId = await createPractitioner(
    admin,
    practitionerBody('Booking', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
  );
  for (let index = 0; index < 10; index++) patientIds.push(await createPatient(admin, phiPatient(testPhi())));
});

afterAll(async () => {
  await log.expectEachAuditedOnce();
});

/** Only schedule items that hold an appointment count; emptied hour items hold nothing. */
const claimsOf = async (owner: 'Patient' | 'Practitioner', id: string) => scheduleClaims(org, owner, id);

describe('booking without double-booking', () => {
  it('50 concurrent overlapping bookings of different lengths give one 201 and 49 409s, and the locks are exactly the winner’s', async () => {
    // Every visit contains 11:00, so any two overlap; lengths run from 5 minutes to almost 7 hours.
    const visits = Array.from({ length: 50 }, (_, index) => {
      const start = at(11) - (index % 13) * 5 * MINUTE;
      const end = at(11) + (1 + ((index * 11) % 70)) * 5 * MINUTE;
      return { start, end, patientId: patientIds[index % patientIds.length] ?? '' };
    });
    const responses = await Promise.all(
      visits.map((visit) =>
        call('/Appointment', {
          token: admin,
          body: appointmentBody(visit.patientId, practitionerId, visit.start, visit.end),
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 409)).toHaveLength(49);
    const winnerIndex = statuses.indexOf(201);
    const winner = visits[winnerIndex];
    const winnerResponse = responses[winnerIndex];
    if (!winner || !winnerResponse) throw new Error('no winner');
    const appointmentId = idOf(winnerResponse);

    // Losers learn which participant is busy and when, and nothing about the other appointment.
    responses.forEach((loser, index) => {
      if (loser.status !== 409) return;
      expect(loser.text).toContain(`Practitioner/${practitionerId} is not free between`);
      expect(loser.text).not.toContain(appointmentId);
      // The winner's patient is named only to a caller booking for that same patient.
      if (visits[index]?.patientId !== winner.patientId) expect(loser.text).not.toContain(winner.patientId);
    });

    expect(await claimsOf('Practitioner', practitionerId)).toEqual(
      expectedClaims(org, 'Practitioner', practitionerId, winner.start, winner.end, appointmentId),
    );
    expect(await claimsOf('Patient', winner.patientId)).toEqual(
      expectedClaims(org, 'Patient', winner.patientId, winner.start, winner.end, appointmentId),
    );
    for (const patientId of patientIds.filter((id) => id !== winner.patientId)) {
      expect(await claimsOf('Patient', patientId)).toEqual([]);
    }
    // Exactly one appointment exists (one head, one version).
    const appointmentItems = (await orgRecordItems(org)).filter((item) =>
      String(item.pk).includes('#Appointment#'),
    );
    expect(appointmentItems.map((item) => item.sk).sort()).toEqual(['head', 'v#0000000001']);

    // Clean up for the tests below: cancelling frees everything.
    const cancelled = await call(`/Appointment/${appointmentId}`, {
      method: 'PATCH',
      token: admin,
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
      rawBody: JSON.stringify([
        { op: 'replace', path: '/status', value: 'cancelled' },
        { op: 'add', path: '/cancelationReason', value: { text: 'room closed' } },
      ]),
    });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(await claimsOf('Practitioner', practitionerId)).toEqual([]);
    expect(await claimsOf('Patient', winner.patientId)).toEqual([]);
  }, 60_000);

  it('a cancelled slot can be booked again, and cancellation frees exactly that appointment’s time', async () => {
    const [alice = '', bob = ''] = patientIds;
    const first = await call('/Appointment', {
      token: admin,
      body: appointmentBody(alice, practitionerId, at(8), at(8, 30)),
    });
    expect(first.status, first.text).toBe(201);
    const neighbour = await call('/Appointment', {
      token: admin,
      body: appointmentBody(bob, practitionerId, at(8, 30), at(9, 45)),
    });
    expect(neighbour.status, neighbour.text).toBe(201);

    const clash = await call('/Appointment', {
      token: admin,
      body: appointmentBody(bob, practitionerId, at(8, 15), at(8, 20)),
    });
    expect(clash.status).toBe(409);
    expect(field(clash.json, 'resourceType')).toBe('OperationOutcome');
    expect(clash.text).toContain('between 2');

    const cancel = await call(`/Appointment/${idOf(first)}`, {
      method: 'PUT',
      token: admin,
      headers: { 'if-match': 'W/"1"' },
      body: { ...resourceOf(first), status: 'cancelled', cancelationReason: { text: 'patient asked' } },
    });
    expect(cancel.status, cancel.text).toBe(200);
    expect(field(cancel.json, 'status')).toBe('cancelled');

    const again = await call('/Appointment', {
      token: admin,
      body: appointmentBody(bob, practitionerId, withOffset(at(8, 15)), withOffset(at(8, 20))),
    });
    expect(again.status, again.text).toBe(201);
    expect(await claimsOf('Practitioner', practitionerId)).toEqual(
      [
        ...expectedClaims(org, 'Practitioner', practitionerId, at(8, 15), at(8, 20), idOf(again)),
        ...expectedClaims(org, 'Practitioner', practitionerId, at(8, 30), at(9, 45), idOf(neighbour)),
      ].sort((a, b) => a.sk.localeCompare(b.sk) || a.appointmentId.localeCompare(b.appointmentId)),
    );
  });

  it('availability reflects bookings and cancellations and says nothing about who', async () => {
    const [carol = ''] = patientIds.slice(2);
    const path = `/Practitioner/${practitionerId}/$availability?start=${encodeURIComponent(withOffset(at(12)))}&end=${encodeURIComponent(withOffset(at(15)))}`;
    const slots = async () => {
      const response = await call(path, { token: admin });
      expect(response.status, response.text).toBe(200);
      const entries = field(response.json, 'entry');
      if (!Array.isArray(entries)) throw new Error(response.text);
      return entries
        .map((entry) => field(entry, 'resource'))
        .filter((resource) => field(resource, 'resourceType') === 'Slot')
        .map((slot) => [field(slot, 'status'), field(slot, 'start'), field(slot, 'end')]);
    };
    const iso = (instant: number) => new Date(instant).toISOString();
    expect(await slots()).toEqual([['free', iso(at(12)), iso(at(15))]]);

    const booked = await call('/Appointment', {
      token: admin,
      body: appointmentBody(carol, practitionerId, at(12, 55), at(14, 5)),
    });
    expect(booked.status, booked.text).toBe(201);
    const busyView = await call(path, { token: admin });
    expect(busyView.text).not.toContain(carol);
    expect(busyView.text).not.toContain(idOf(booked));
    expect(await slots()).toEqual([
      ['free', iso(at(12)), iso(at(12, 55))],
      ['busy', iso(at(12, 55)), iso(at(14, 5))],
      ['free', iso(at(14, 5)), iso(at(15))],
    ]);

    const cancel = await call(`/Appointment/${idOf(booked)}`, {
      method: 'PUT',
      token: admin,
      headers: { 'if-match': 'W/"1"' },
      body: { ...resourceOf(booked), status: 'cancelled', cancelationReason: { text: 'practitioner ill' } },
    });
    expect(cancel.status, cancel.text).toBe(200);
    expect(await slots()).toEqual([['free', iso(at(12)), iso(at(15))]]);
  });

  it('availability follows the practitioner’s time zone and days, across weeks', async () => {
    // Tokyo has no daylight saving: 09:00-17:00 JST is 00:00-08:00 UTC, Monday and Wednesday only.
    const tokyo = await createPractitioner(
      admin,
      practitionerBody('Tanaka', [workingHours(['mon', 'wed'], '09:00:00', '17:00:00', 'Asia/Tokyo')]),
    );
    const monday = mondayAfter(8);
    const response = await call(
      `/Practitioner/${tokyo}/$availability?start=${new Date(monday).toISOString()}&end=${new Date(monday + 7 * 24 * HOUR).toISOString()}`,
      { token: admin },
    );
    expect(response.status, response.text).toBe(200);
    const entries = field(response.json, 'entry');
    if (!Array.isArray(entries)) throw new Error(response.text);
    const slots = entries.filter((entry) => field(entry, 'resource', 'resourceType') === 'Slot');
    expect(
      slots.map((entry) => [field(entry, 'resource', 'start'), field(entry, 'resource', 'end')]),
    ).toEqual([
      [new Date(monday).toISOString(), new Date(monday + 8 * HOUR).toISOString()],
      [new Date(monday + 48 * HOUR).toISOString(), new Date(monday + 56 * HOUR).toISOString()],
    ]);
    const schedule = entries.find((entry) => field(entry, 'resource', 'resourceType') === 'Schedule');
    expect(field(slots[0], 'resource', 'schedule', 'reference')).toBe(field(schedule, 'fullUrl'));
    expect(field(schedule, 'resource', 'actor', 0, 'reference')).toBe(`Practitioner/${tokyo}`);
  });

  it('availability refuses periods that are reversed, longer than 31 days or without offsets', async () => {
    const ask = (start: string, end: string) =>
      call(
        `/Practitioner/${practitionerId}/$availability?start=${encodeURIComponent(start)}&end=${encodeURIComponent(end)}`,
        {
          token: admin,
        },
      );
    const from = new Date(at(9)).toISOString();
    expect((await ask(from, new Date(at(8)).toISOString())).status).toBe(400);
    expect((await ask(from, new Date(at(9) + 32 * 24 * HOUR).toISOString())).status).toBe(400);
    expect((await ask('2030-01-01T09:00:00', '2030-01-02T09:00:00')).status).toBe(400);
    expect(
      (await call(`/Practitioner/${practitionerId}/$availability?start=${from}`, { token: admin })).status,
    ).toBe(400);
    expect((await ask(from, new Date(at(9) + 31 * 24 * HOUR).toISOString())).status).toBe(200);
  });

  it('keeps description, comment, reason and instructions out of every clear attribute', async () => {
    const items = await orgRecordItems(org);
    const appointmentItems = items.filter((item) => String(item.pk).includes('Appointment'));
    expect(appointmentItems.length).toBeGreaterThan(0);
    for (const item of items) {
      for (const phi of APPOINTMENT_PHI) expect(itemText(item)).not.toContain(phi);
    }
  });
});

describe('bad bookings are refused with nothing half-booked', () => {
  const refusals: [string, () => Record<string, unknown>, number, string][] = [
    [
      'a reversed interval',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(10), at(9)),
      422,
      'Appointment.end',
    ],
    [
      'a zero-length interval',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(10), at(10)),
      422,
      'Appointment.end',
    ],
    [
      'times without an offset',
      () =>
        appointmentBody(patientIds[0] ?? '', practitionerId, '2030-01-01T09:00:00', '2030-01-01T09:30:00'),
      400,
      'Appointment.start',
    ],
    [
      'a date in the past',
      () =>
        appointmentBody(patientIds[0] ?? '', practitionerId, utcDay(-1) + 10 * HOUR, utcDay(-1) + 11 * HOUR),
      422,
      'Appointment.start',
    ],
    [
      'a start before working hours',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(7, 30), at(8, 30)),
      422,
      'Appointment.start',
    ],
    [
      'an end after working hours',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(17, 30), at(18, 5)),
      422,
      'Appointment.start',
    ],
    [
      'times off the 5-minute grid',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(10, 3), at(10, 30)),
      422,
      'Appointment.start',
    ],
    [
      'a visit longer than 8 hours',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(8), at(16, 5)),
      422,
      'Appointment.end',
    ],
    [
      'an unknown practitioner',
      () => appointmentBody(patientIds[0] ?? '', 'no-such-practitioner', at(10), at(10, 30)),
      422,
      'Appointment.participant[1].actor',
    ],
    [
      'an unknown patient',
      () => appointmentBody('no-such-patient', practitionerId, at(10), at(10, 30)),
      422,
      'Appointment.participant[0].actor',
    ],
    [
      'two practitioners',
      () => ({
        ...appointmentBody(patientIds[0] ?? '', practitionerId, at(10), at(10, 30)),
        participant: [
          { actor: { reference: `Patient/${patientIds[0] ?? ''}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
          { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
        ],
      }),
      422,
      'Appointment.participant',
    ],
    [
      'a status other than booked',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(10), at(10, 30), { status: 'arrived' }),
      422,
      'Appointment.status',
    ],
    [
      'a minutesDuration that disagrees',
      () => appointmentBody(patientIds[0] ?? '', practitionerId, at(10), at(10, 30), { minutesDuration: 45 }),
      422,
      'Appointment.minutesDuration',
    ],
  ];

  it.each(refusals)(
    '%s is refused and leaves no lock, appointment or care link',
    async (_name, body, status, location) => {
      const before = (await orgRecordItems(org)).length;
      const response = await call('/Appointment', { token: admin, body: body() });
      expect(response.status, response.text).toBe(status);
      expect(issueExpressions(response)).toContain(location);
      expect((await orgRecordItems(org)).length).toBe(before);
    },
  );

  it('a participant of another organization is unknown here', async () => {
    const otherOrg = newOrg();
    const otherAdmin = await token({ role: 'admin', org: otherOrg, sub: 'other-admin' });
    const foreignPractitioner = await createPractitioner(
      otherAdmin,
      practitionerBody('Elsewhere', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
    );
    const foreignPatient = await createPatient(otherAdmin, phiPatient(testPhi()));
    const before = (await orgRecordItems(org)).length;
    const withForeignPractitioner = await call('/Appointment', {
      token: admin,
      body: appointmentBody(patientIds[0] ?? '', foreignPractitioner, at(10), at(10, 30)),
    });
    expect(withForeignPractitioner.status).toBe(422);
    expect(withForeignPractitioner.text).toContain(`Practitioner/${foreignPractitioner} is not known`);
    const withForeignPatient = await call('/Appointment', {
      token: admin,
      body: appointmentBody(foreignPatient, practitionerId, at(10), at(10, 30)),
    });
    expect(withForeignPatient.status).toBe(422);
    expect(withForeignPatient.text).toContain(`Patient/${foreignPatient} is not known`);
    expect((await orgRecordItems(org)).length).toBe(before);
    expect(await scheduleClaims(otherOrg, 'Practitioner', foreignPractitioner)).toEqual([]);
  });

  it('the same Idempotency-Key books once and answers the retry with the same appointment', async () => {
    const body = appointmentBody(patientIds[3] ?? '', practitionerId, at(16), at(16, 30));
    const headers = { 'idempotency-key': `book-${org}` };
    const [first, second] = await Promise.all([
      call('/Appointment', { token: admin, body, headers }),
      call('/Appointment', { token: admin, body, headers }),
    ]);
    expect(first?.status, first?.text).toBe(201);
    expect(second?.status, second?.text).toBe(201);
    if (!first || !second) throw new Error('missing responses');
    expect(idOf(first)).toBe(idOf(second));
    const other = await call('/Appointment', {
      token: admin,
      body: { ...body, comment: 'a different body' },
      headers,
    });
    expect(other.status).toBe(422);
  });

  it('every request of this file left exactly one AuditEvent', () => {
    expect(log.size).toBeGreaterThan(60);
  });
});
