import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import {
  createPatient,
  issueExpressions,
  newOrg,
  phiPatient,
  resourceOf,
  testPhi,
} from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  scheduleClaims,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/** A patient who cancels changes `status` and `cancelationReason`, and nothing else. */
const org = newOrg();
const day = utcDay(23);
const reason = { text: 'cannot make it' };

let admin: string;
let practitioner: string;
let patientId: string;
let patient: string;
let slot = 0;

const patchAs = (bearer: string, id: string, ops: unknown[], version = 1) =>
  api(`/Appointment/${id}`, {
    method: 'PATCH',
    token: bearer,
    headers: { 'content-type': 'application/json-patch+json', 'if-match': `W/"${version}"` },
    rawBody: JSON.stringify(ops),
  });

const cancelOps = [
  { op: 'replace', path: '/status', value: 'cancelled' },
  { op: 'add', path: '/cancelationReason', value: reason },
];

/** A fresh booking of the patient, each in its own hour. */
async function book(): Promise<{ id: string; current: Record<string, unknown> }> {
  slot += 1;
  const start = day + (8 + slot) * HOUR;
  const booked = await api('/Appointment', {
    token: admin,
    body: appointmentBody(patientId, practitioner, start, start + HOUR / 2),
  });
  expect(booked.status, booked.text).toBe(201);
  return { id: idOf(booked), current: resourceOf(booked) };
}

/** The appointment is still exactly as booked: version 1, booked, its time held. */
async function expectUnchanged(id: string, response: ApiResponse): Promise<void> {
  expect(response.status, response.text).toBe(403);
  expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  const stored = await api(`/Appointment/${id}`, { token: admin });
  expect(stored.headers.get('etag')).toBe('W/"1"');
  expect(field(stored.json, 'status')).toBe('booked');
  expect(field(stored.json, 'description')).toBe('Follow-up on the Quillfeather rash');
  expect((await scheduleClaims(org, 'Patient', patientId)).some((claim) => claim.appointmentId === id)).toBe(
    true,
  );
}

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'cancel-admin' });
  const hours = [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')];
  practitioner = await createPractitioner(admin, practitionerBody('Canceller', hours));
  patientId = await createPatient(admin, phiPatient(testPhi()));
  patient = await token({ role: 'patient', org, sub: 'cancel-patient', patientId });
});

describe('a cancelling patient changes status and cancelationReason only', () => {
  it('a patient’s JSON Patch that cancels and also rewrites the description is refused with 403 naming the operation', async () => {
    const { id } = await book();
    const response = await patchAs(patient, id, [
      ...cancelOps,
      { op: 'replace', path: '/description', value: 'Nothing to see here' },
    ]);
    await expectUnchanged(id, response);
    expect(issueExpressions(response)).toEqual(['JsonPatch[2]']);
  });

  it('a patient’s patch is refused before it is applied: an operation elsewhere that could not even apply is a 403, not a 422', async () => {
    const { id } = await book();
    await expectUnchanged(
      id,
      await patchAs(patient, id, [...cancelOps, { op: 'remove', path: '/no/such/element' }]),
    );
    // Copies of the reason into itself would double it with every operation: refused unapplied.
    const bomb = Array.from({ length: 98 }, () => ({
      op: 'copy',
      from: '/cancelationReason',
      path: '/cancelationReason/extension',
    }));
    await expectUnchanged(id, await patchAs(patient, id, [...cancelOps, ...bomb]));
    // A copy into the reason still reads from elsewhere in the appointment.
    await expectUnchanged(
      id,
      await patchAs(patient, id, [
        { op: 'replace', path: '/status', value: 'cancelled' },
        { op: 'copy', from: '/participant', path: '/cancelationReason/extension' },
      ]),
    );
  });

  it('a patient’s PUT that cancels and also changes description, reason or a participant is refused with 403 naming the elements', async () => {
    const { id, current } = await book();
    const cancelled = { ...current, status: 'cancelled', cancelationReason: reason };
    const participants = Array.isArray(current.participant) ? current.participant : [];
    const changes: [string, Record<string, unknown>][] = [
      ['Appointment.description', { description: 'Nothing to see here' }],
      ['Appointment.reasonCode', { reasonCode: [{ text: 'routine' }] }],
      [
        'Appointment.participant',
        { participant: participants.map((entry: unknown) => ({ ...Object(entry), status: 'declined' })) },
      ],
      ['Appointment.meta', { meta: { ...Object(current.meta), tag: [{ code: 'vip' }] } }],
    ];
    for (const [element, change] of changes) {
      const response = await api(`/Appointment/${id}`, {
        method: 'PUT',
        token: patient,
        headers: { 'if-match': 'W/"1"' },
        body: { ...cancelled, ...change },
      });
      await expectUnchanged(id, response);
      expect(issueExpressions(response)).toEqual([element]);
    }
  });

  it('a patient cancels with a PUT or a patch that changes only status and cancelationReason', async () => {
    const byPut = await book();
    const put = await api(`/Appointment/${byPut.id}`, {
      method: 'PUT',
      token: patient,
      headers: { 'if-match': 'W/"1"' },
      body: { ...byPut.current, status: 'cancelled', cancelationReason: reason },
    });
    expect(put.status, put.text).toBe(200);
    expect(field(put.json, 'status')).toBe('cancelled');
    const byPatch = await book();
    const patch = await patchAs(patient, byPatch.id, [
      { op: 'test', path: '/status', value: 'booked' },
      ...cancelOps,
      { op: 'replace', path: '/cancelationReason/text', value: 'ill' },
    ]);
    expect(patch.status, patch.text).toBe(200);
    expect(field(patch.json, 'cancelationReason', 'text')).toBe('ill');
    expect(field(patch.json, 'description')).toBe('Follow-up on the Quillfeather rash');
  });

  it('staff still edit the other elements of an appointment', async () => {
    const { id } = await book();
    const response = await patchAs(admin, id, [
      { op: 'replace', path: '/description', value: 'Rash follow-up' },
    ]);
    expect(response.status, response.text).toBe(200);
  });
});
