import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { orgAuditEvents, orgRecordItems } from '../support/dynamo.ts';
import {
  createPatient,
  entryIds,
  newOrg,
  nextLink,
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
  MINUTE,
  practitionerBody,
  RequestLog,
  scheduleClaims,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

const org = newOrg();
const otherOrg = newOrg();
const log = new RequestLog();
const day = utcDay(20);
const at = (hours: number, minutes = 0) => day + hours * HOUR + minutes * MINUTE;

let admin: string;
let compliance: string;
let foreignAdmin: string;
/** Practitioners A and B, their clinicians, and patients 1-3 with their own logins. */
let prA: string;
let prB: string;
let clinicianA: string;
let clinicianB: string;
let p1: string;
let p2: string;
let p3: string;
let patient1: string;
let patient2: string;

const call = async (path: string, options: Parameters<typeof api>[1] = {}, inOrg = org) =>
  log.track(inOrg, await api(path, options));

const patchJson = (ops: unknown[], ifMatch?: string) => ({
  method: 'PATCH',
  headers: { 'content-type': 'application/json-patch+json', ...(ifMatch ? { 'if-match': ifMatch } : {}) },
  rawBody: JSON.stringify(ops),
});

const setStatus = (tokenValue: string, id: string, version: number, status: string, extra: unknown[] = []) =>
  call(`/Appointment/${id}`, {
    token: tokenValue,
    ...patchJson([{ op: 'replace', path: '/status', value: status }, ...extra], `W/"${version}"`),
  });

const cancelReason = [{ op: 'add', path: '/cancelationReason', value: { text: 'schedule change' } }];

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'life-admin' });
  compliance = await token({ role: 'compliance', org, sub: 'life-compliance' });
  foreignAdmin = await token({ role: 'admin', org: otherOrg, sub: 'life-foreign' });
  const hours = [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')];
  prA = await createPractitioner(admin, practitionerBody('Alpha', hours));
  prB = await createPractitioner(admin, practitionerBody('Beta', hours));
  clinicianA = await token({ role: 'clinician', org, sub: 'life-dr-a', practitionerId: prA });
  clinicianB = await token({ role: 'clinician', org, sub: 'life-dr-b', practitionerId: prB });
  p1 = await createPatient(admin, phiPatient(testPhi()));
  p2 = await createPatient(admin, phiPatient(testPhi()));
  p3 = await createPatient(admin, phiPatient(testPhi()));
  patient1 = await token({ role: 'patient', org, sub: 'life-p1', patientId: p1 });
  patient2 = await token({ role: 'patient', org, sub: 'life-p2', patientId: p2 });
});

afterAll(async () => {
  await log.expectEachAuditedOnce();
});

/** Appointment ids created below, by name. */
const ids: Record<string, string> = {};

describe('who may book', () => {
  it('a patient books for themself, and the booking gives the practitioner a care relationship', async () => {
    expect((await call(`/Patient/${p1}`, { token: clinicianA })).status).toBe(404);
    const booked = await call('/Appointment', {
      token: patient1,
      body: appointmentBody(p1, prA, at(9), at(9, 30)),
    });
    expect(booked.status, booked.text).toBe(201);
    expect(field(booked.json, 'status')).toBe('booked');
    ids.p1WithA = idOf(booked);
    expect((await call(`/Patient/${p1}`, { token: clinicianA })).status).toBe(200);
  });

  it('a patient cannot book for someone else, and nothing is written', async () => {
    const before = (await orgRecordItems(org)).length;
    const response = await call('/Appointment', {
      token: patient1,
      body: appointmentBody(p2, prA, at(10), at(10, 30)),
    });
    expect(response.status).toBe(403);
    expect(response.text).not.toContain(p2);
    expect((await orgRecordItems(org)).length).toBe(before);
  });

  it('a clinician cannot book for a patient they may not access; the refusal reads like an unknown patient', async () => {
    const response = await call('/Appointment', {
      token: clinicianB,
      body: appointmentBody(p3, prB, at(10), at(10, 30)),
    });
    expect(response.status).toBe(422);
    const unknown = await call('/Appointment', {
      token: clinicianB,
      body: appointmentBody('never-registered', prB, at(10), at(10, 30)),
    });
    expect(field(response.json, 'issue', 0, 'diagnostics')).toBe(`Patient/${p3} is not known`);
    expect(field(unknown.json, 'issue', 0, 'diagnostics')).toBe('Patient/never-registered is not known');
    expect(await scheduleClaims(org, 'Practitioner', prB)).toEqual([]);
  });

  it('a clinician books for a patient they may access, also with another practitioner; an admin books for anyone', async () => {
    const byAdmin = await call('/Appointment', {
      token: admin,
      body: appointmentBody(p2, prB, at(11), at(12)),
    });
    expect(byAdmin.status, byAdmin.text).toBe(201);
    ids.p2WithB = idOf(byAdmin);
    const byClinician = await call('/Appointment', {
      token: clinicianB,
      body: appointmentBody(p2, prA, at(13), at(13, 15)),
    });
    expect(byClinician.status, byClinician.text).toBe(201);
    ids.p2WithA = idOf(byClinician);
  });

  it('a patient cannot be double-booked with two practitioners', async () => {
    const response = await call('/Appointment', {
      token: admin,
      body: appointmentBody(p2, prA, at(11, 30), at(11, 45)),
    });
    expect(response.status).toBe(409);
    expect(field(response.json, 'issue', 0, 'diagnostics')).toContain(
      `Patient/${p2} already has an appointment between`,
    );
    expect(response.text).not.toContain(prB);
  });
});

describe('who may see an appointment', () => {
  it('the patient, the practitioner’s clinician and an admin read it; others get 404 and compliance 403', async () => {
    const path = () => `/Appointment/${ids.p1WithA}`;
    expect((await call(path(), { token: patient1 })).status).toBe(200);
    expect((await call(path(), { token: clinicianA })).status).toBe(200);
    expect((await call(path(), { token: admin })).status).toBe(200);
    expect((await call(path(), { token: patient2 })).status).toBe(404);
    expect((await call(path(), { token: clinicianB })).status).toBe(404);
    expect((await call(path(), { token: compliance })).status).toBe(403);
    expect((await call(path(), { token: foreignAdmin }, otherOrg)).status).toBe(404);
  });

  it('a clinician with a care relationship sees the patient’s appointments with other practitioners', async () => {
    // Clinician B has a care relationship with patient 2 (booked with B), so sees 2's visit with A.
    expect((await call(`/Appointment/${ids.p2WithA}`, { token: clinicianB })).status).toBe(200);
  });

  it('clinician break-glass access is allowed, audited with its reason (sealed in the log, open to compliance)', async () => {
    const reason = 'Emergency: patient unconscious in the waiting room';
    const response = await call(`/Appointment/${ids.p1WithA}`, {
      token: clinicianB,
      headers: { 'x-break-glass-reason': reason },
    });
    expect(response.status).toBe(200);
    const events = await orgAuditEvents(org);
    const event = events.find(({ event }) =>
      JSON.stringify(event).includes(String(response.headers.get('x-request-id'))),
    );
    expect(field(event?.event, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    expect(JSON.stringify(event?.item)).not.toContain(reason);
    const read = await call(`/AuditEvent/${String(field(event?.event, 'id'))}`, { token: compliance });
    expect(field(read.json, 'purposeOfEvent', 0, 'text')).toBe(reason);
  });

  it('every appointment access names its patient in the access log', async () => {
    const read = await call(`/Appointment/${ids.p2WithB}`, { token: admin });
    const events = await orgAuditEvents(org);
    const event = events.find(({ event }) =>
      JSON.stringify(event).includes(String(read.headers.get('x-request-id'))),
    );
    expect(event?.item.patientPk).toBe(`${org}#${p2}`);
    const refs = field(event?.event, 'entity');
    expect(
      Array.isArray(refs) ? refs.map((entity) => field(entity, 'what', 'reference')).sort() : [],
    ).toEqual([`Appointment/${ids.p2WithB}`, `Patient/${p2}`].sort());
  });

  it('search shows each role what it may see', async () => {
    const idsOf = async (path: string, tokenValue: string) => {
      const response = await call(path, { token: tokenValue });
      expect(response.status, response.text).toBe(200);
      return entryIds(response).sort();
    };
    expect(await idsOf('/Appointment', patient1)).toEqual([ids.p1WithA]);
    expect(await idsOf(`/Appointment?patient=Patient/${p2}`, patient1)).toEqual([]);
    expect(await idsOf('/Appointment', patient2)).toEqual([ids.p2WithB, ids.p2WithA].sort());
    expect(await idsOf('/Appointment', clinicianA)).toEqual([ids.p1WithA, ids.p2WithA].sort());
    expect(await idsOf(`/Appointment?patient=${p1}`, clinicianB)).toEqual([]);
    expect(await idsOf(`/Appointment?patient=${p2}`, clinicianB)).toEqual([ids.p2WithB, ids.p2WithA].sort());
    expect(await idsOf(`/Appointment?practitioner=${prA}`, clinicianB)).toEqual([ids.p2WithA]);
    expect(await idsOf('/Appointment', admin)).toHaveLength(3);
    const foreign = await call('/Appointment', { token: foreignAdmin }, otherOrg);
    expect(entryIds(foreign)).toEqual([]);
  });

  it('search filters by start date range and status, and pages with a cursor', async () => {
    const iso = (instant: number) => new Date(instant).toISOString();
    const ge = encodeURIComponent(`ge${iso(at(9, 30))}`);
    const le = encodeURIComponent(`le${iso(at(13))}`);
    const byDate = await call(`/Appointment?practitioner=Practitioner/${prA}&date=${ge}&date=${le}`, {
      token: admin,
    });
    expect(entryIds(byDate)).toEqual([ids.p2WithA]);
    const dayOnly = await call(`/Appointment?patient=${p2}&date=${iso(day).slice(0, 10)}`, { token: admin });
    expect(entryIds(dayOnly)).toEqual([ids.p2WithB, ids.p2WithA]);
    const otherDay = await call(`/Appointment?patient=${p2}&date=lt${iso(day).slice(0, 10)}`, {
      token: admin,
    });
    expect(entryIds(otherDay)).toEqual([]);
    const cancelled = await call(`/Appointment?patient=${p2}&status=cancelled`, { token: admin });
    expect(entryIds(cancelled)).toEqual([]);

    const first = await call(`/Appointment?patient=${p2}&_count=1`, { token: admin });
    expect(entryIds(first)).toEqual([ids.p2WithB]);
    const next = nextLink(first);
    const second = await call(next ?? '', { token: admin });
    expect(entryIds(second)).toEqual([ids.p2WithA]);
    const reused = await call((next ?? '').replace('_count=1', '_count=2'), { token: admin });
    expect(reused.status).toBe(400);
    const bad = await call('/Appointment?date=tomorrow', { token: admin });
    expect(bad.status).toBe(400);
  });
});

describe('the life cycle', () => {
  it('booked -> arrived -> fulfilled, each a new version kept in the history', async () => {
    const id = ids.p1WithA ?? '';
    const arrived = await setStatus(clinicianA, id, 1, 'arrived');
    expect(arrived.status, arrived.text).toBe(200);
    expect(arrived.headers.get('etag')).toBe('W/"2"');
    const current = resourceOf(arrived);
    const fulfilled = await call(`/Appointment/${id}`, {
      method: 'PUT',
      token: clinicianA,
      headers: { 'if-match': 'W/"2"' },
      body: { ...current, status: 'fulfilled', comment: 'Zqvorthal cream worked' },
    });
    expect(fulfilled.status, fulfilled.text).toBe(200);
    const history = await call(`/Appointment/${id}/_history`, { token: patient1 });
    expect(history.status).toBe(200);
    const statuses = field(history.json, 'entry');
    expect(
      Array.isArray(statuses) ? statuses.map((entry) => field(entry, 'resource', 'status')) : [],
    ).toEqual(['fulfilled', 'arrived', 'booked']);
  });

  it('illegal transitions are 409 and change nothing', async () => {
    const id = ids.p1WithA ?? '';
    const back = await setStatus(admin, id, 3, 'booked');
    expect(back.status).toBe(409);
    expect(field(back.json, 'issue', 0, 'expression', 0)).toBe('Appointment.status');
    const cancelFulfilled = await setStatus(admin, id, 3, 'cancelled', cancelReason);
    expect(cancelFulfilled.status).toBe(409);
    expect((await call(`/Appointment/${id}`, { token: admin })).headers.get('etag')).toBe('W/"3"');
  });

  it('moving the time or changing participants is refused: rebooking is cancel and book', async () => {
    const id = ids.p2WithB ?? '';
    const moved = await call(`/Appointment/${id}`, {
      token: admin,
      ...patchJson([{ op: 'replace', path: '/start', value: new Date(at(11, 5)).toISOString() }], 'W/"1"'),
    });
    expect(moved.status).toBe(422);
    const swapped = await call(`/Appointment/${id}`, {
      token: admin,
      ...patchJson(
        [{ op: 'replace', path: '/participant/0/actor/reference', value: `Patient/${p3}` }],
        'W/"1"',
      ),
    });
    expect(swapped.status).toBe(422);
  });

  it('updates need the current version: missing If-Match is 428, a stale one 412', async () => {
    const id = ids.p2WithB ?? '';
    const missing = await call(`/Appointment/${id}`, {
      token: admin,
      ...patchJson([{ op: 'replace', path: '/status', value: 'noshow' }]),
    });
    expect(missing.status).toBe(428);
    const stale = await setStatus(admin, id, 7, 'noshow');
    expect(stale.status).toBe(412);
  });

  it('cancelling needs a reason; a patient may cancel their own booking but not mark it arrived', async () => {
    const id = ids.p2WithA ?? '';
    const noReason = await setStatus(patient2, id, 1, 'cancelled');
    expect(noReason.status).toBe(422);
    const arrived = await setStatus(patient2, id, 1, 'arrived');
    expect(arrived.status).toBe(403);
    const foreignCancel = await setStatus(patient1, id, 1, 'cancelled', cancelReason);
    expect(foreignCancel.status).toBe(404);
    expect((await scheduleClaims(org, 'Patient', p2)).some((claim) => claim.appointmentId === id)).toBe(true);
    const cancelled = await setStatus(patient2, id, 1, 'cancelled', cancelReason);
    expect(cancelled.status, cancelled.text).toBe(200);
    expect((await scheduleClaims(org, 'Patient', p2)).some((claim) => claim.appointmentId === id)).toBe(
      false,
    );
    expect((await scheduleClaims(org, 'Practitioner', prA)).some((claim) => claim.appointmentId === id)).toBe(
      false,
    );
    const search = await call(`/Appointment?patient=${p2}&status=cancelled`, { token: patient2 });
    expect(entryIds(search)).toEqual([id]);
  });

  it('booked -> noshow keeps the time taken', async () => {
    const id = ids.p2WithB ?? '';
    const noshow = await setStatus(clinicianB, id, 1, 'noshow');
    expect(noshow.status, noshow.text).toBe(200);
    expect(
      (await scheduleClaims(org, 'Practitioner', prB)).every((claim) => claim.appointmentId === id),
    ).toBe(true);
    expect(await scheduleClaims(org, 'Practitioner', prB)).not.toEqual([]);
  });

  it('unknown appointments are 404 for updates too', async () => {
    const response: ApiResponse = await setStatus(admin, 'no-such-appointment', 1, 'arrived');
    expect(response.status).toBe(404);
  });
});
