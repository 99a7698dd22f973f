import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { orgAuditEvents, orgRecordItems } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, resourceOf, testPhi } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  RequestLog,
  scheduleClaims,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/**
 * Break-glass opens a record for reading only. Every write that would rest on it is a 403,
 * audited as a denial with purpose BTG, and leaves nothing behind: no new version, no lock,
 * no care relationship that would make later accesses ordinary.
 */
const org = newOrg();
const log = new RequestLog();
const REASON = 'patient unconscious in the emergency room';
const glass = { 'x-break-glass-reason': REASON };
const day = utcDay(21);

let admin: string;
/** A clinician with no care relationship with the patient, and their practitioner id. */
let stranger: string;
let prStranger: string;
let prOther: string;

const call = async (path: string, options: Parameters<typeof api>[1] = {}) =>
  log.track(org, await api(path, options));

const jsonPatch = (ops: unknown[], ifMatch: string) => ({
  method: 'PATCH',
  headers: { ...glass, 'content-type': 'application/json-patch+json', 'if-match': ifMatch },
  rawBody: JSON.stringify(ops),
});

/** The AuditEvent a response left: exactly one. */
async function eventOf(response: ApiResponse) {
  const requestId = String(response.headers.get('x-request-id'));
  const events = (await orgAuditEvents(org)).filter(({ event }) => JSON.stringify(event).includes(requestId));
  expect(events).toHaveLength(1);
  return events[0];
}

/** A 403 OperationOutcome recorded as a refused (outcome 4) access with purpose BTG and the reason. */
async function expectBreakGlassDenial(response: ApiResponse): Promise<void> {
  expect(response.status, response.text).toBe(403);
  expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  expect(field(response.json, 'issue', 0, 'code')).toBe('forbidden');
  const audited = await eventOf(response);
  expect(field(audited?.event, 'outcome')).toBe('4');
  expect(field(audited?.event, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
  expect(audited?.item.purposePk).toBe(`${org}#BTG`);
  // The reason is stored sealed; compliance staff read it in clear.
  expect(JSON.stringify(audited?.item)).not.toContain(REASON);
  const compliance = await token({ role: 'compliance', org, sub: 'bgw-compliance' });
  const read = await api(`/AuditEvent/${String(field(audited?.event, 'id'))}`, { token: compliance });
  expect(read.status, read.text).toBe(200);
  expect(field(read.json, 'purposeOfEvent', 0, 'text')).toBe(REASON);
}

const careLinksOf = async (practitionerId: string) =>
  (await orgRecordItems(org)).filter((item) => item.pk === `${org}#care#${practitionerId}`);

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'bgw-admin' });
  const hours = [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')];
  prStranger = await createPractitioner(admin, practitionerBody('Stranger', hours));
  prOther = await createPractitioner(admin, practitionerBody('Other', hours));
  stranger = await token({ role: 'clinician', org, sub: 'bgw-dr', practitionerId: prStranger });
});

afterAll(async () => {
  await log.expectEachAuditedOnce();
});

describe('break-glass is read-only', () => {
  it('a clinician under break-glass reads the record, but PUT, PATCH and DELETE are 403 denials audited with BTG and change nothing', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const read = await call(`/Patient/${id}`, { token: stranger, headers: glass });
    expect(read.status, read.text).toBe(200);

    const put = await call(`/Patient/${id}`, {
      method: 'PUT',
      token: stranger,
      headers: { ...glass, 'if-match': 'W/"1"' },
      body: { ...resourceOf(read), active: false },
    });
    await expectBreakGlassDenial(put);
    const patch = await call(`/Patient/${id}`, {
      token: stranger,
      ...jsonPatch([{ op: 'add', path: '/active', value: false }], 'W/"1"'),
    });
    await expectBreakGlassDenial(patch);
    const removed = await call(`/Patient/${id}`, { method: 'DELETE', token: stranger, headers: glass });
    await expectBreakGlassDenial(removed);

    const after = await call(`/Patient/${id}`, { token: admin });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).toBe('W/"1"');
    expect(field(after.json, 'active')).toBeUndefined();
  });

  it('a clinician under break-glass cannot add themself as generalPractitioner, and without the header the record stays hidden', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const read = await call(`/Patient/${id}`, { token: stranger, headers: glass });
    const self = { ...resourceOf(read), generalPractitioner: [{ reference: `Practitioner/${prStranger}` }] };
    const put = await call(`/Patient/${id}`, {
      method: 'PUT',
      token: stranger,
      headers: { ...glass, 'if-match': 'W/"1"' },
      body: self,
    });
    await expectBreakGlassDenial(put);
    const patch = await call(`/Patient/${id}`, {
      token: stranger,
      ...jsonPatch(
        [{ op: 'add', path: '/generalPractitioner', value: [{ reference: `Practitioner/${prStranger}` }] }],
        'W/"1"',
      ),
    });
    await expectBreakGlassDenial(patch);
    expect((await call(`/Patient/${id}`, { token: stranger })).status).toBe(404);
  });

  it('a clinician under break-glass cannot book a visit with themself: 403 with BTG, no lock, no care link, no later access', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const booked = await call('/Appointment', {
      token: stranger,
      headers: glass,
      body: appointmentBody(id, prStranger, day + 9 * HOUR, day + 10 * HOUR),
    });
    await expectBreakGlassDenial(booked);
    expect(await scheduleClaims(org, 'Practitioner', prStranger)).toEqual([]);
    expect(await scheduleClaims(org, 'Patient', id)).toEqual([]);
    expect(await careLinksOf(prStranger)).toEqual([]);
    expect((await call(`/Patient/${id}`, { token: stranger })).status).toBe(404);
    expect((await call(`/Patient/${id}/_history`, { token: stranger })).status).toBe(404);
  });

  it("a clinician under break-glass reads another practitioner's appointment of the patient but cannot change it", async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const booked = await call('/Appointment', {
      token: admin,
      body: appointmentBody(id, prOther, day + 11 * HOUR, day + 12 * HOUR),
    });
    expect(booked.status, booked.text).toBe(201);
    const appointment = idOf(booked);
    const read = await call(`/Appointment/${appointment}`, { token: stranger, headers: glass });
    expect(read.status, read.text).toBe(200);

    const patched = await call(`/Appointment/${appointment}`, {
      token: stranger,
      ...jsonPatch([{ op: 'replace', path: '/status', value: 'arrived' }], 'W/"1"'),
    });
    await expectBreakGlassDenial(patched);
    const put = await call(`/Appointment/${appointment}`, {
      method: 'PUT',
      token: stranger,
      headers: { ...glass, 'if-match': 'W/"1"' },
      body: { ...resourceOf(read), status: 'noshow' },
    });
    await expectBreakGlassDenial(put);

    const after = await call(`/Appointment/${appointment}`, { token: admin });
    expect(after.headers.get('etag')).toBe('W/"1"');
    expect(field(after.json, 'status')).toBe('booked');
    expect(await careLinksOf(prStranger)).toEqual([]);
  });

  it('a clinician with a care relationship who also states a reason still changes the record, unflagged', async () => {
    const id = await createPatient(
      admin,
      phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${prStranger}` }] }),
    );
    const patch = await call(`/Patient/${id}`, {
      token: stranger,
      ...jsonPatch([{ op: 'add', path: '/active', value: true }], 'W/"1"'),
    });
    expect(patch.status, patch.text).toBe(200);
    expect(field((await eventOf(patch))?.event, 'purposeOfEvent')).toBeUndefined();
  });
});
