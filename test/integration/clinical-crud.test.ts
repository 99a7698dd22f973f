import { beforeAll, describe, expect, it } from 'vitest';
import { clinicalDefinitions } from '../../shared/resources/clinical.ts';
import { api, field, token } from '../support/api.ts';
import { createResource, matchIds, visitRecord } from '../support/clinical.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, resourceOf, testPhi } from '../support/patients.ts';
import { createPractitioner, practitionerBody } from '../support/schedule.ts';

const org = newOrg();
let admin: string;
let clinician: string;
let patientUser: string;
let patientId: string;
let practitionerId: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'clinical-admin' });
  practitionerId = await createPractitioner(admin, practitionerBody('Okafor'));
  clinician = await token({ role: 'clinician', org, sub: 'clinical-clinician', practitionerId });
  patientId = await createPatient(admin, {
    ...phiPatient(testPhi()),
    generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }],
  });
  patientUser = await token({ role: 'patient', org, sub: 'clinical-patient', patientId });
});

const TYPES = clinicalDefinitions.map((definition) => definition.resourceType);

describe.each(TYPES)('%s on the resource engine', (type) => {
  let id: string;
  let sent: Record<string, unknown>;

  it('is created by the patient’s clinician with server-set id and meta, and read back unchanged', async () => {
    sent = visitRecord({ patient: patientId, practitioner: practitionerId }, '2026-11-20T09:30:00Z')[type];
    const created = await api(`/${type}`, { token: clinician, body: sent });
    expect(created.status, created.text).toBe(201);
    expect(created.headers.get('etag')).toBe('W/"1"');
    id = String(field(created.json, 'id'));
    expect(created.headers.get('location')).toContain(`/${type}/${id}/_history/1`);
    const read = await api(`/${type}/${id}`, { token: clinician });
    expect(read.status, read.text).toBe(200);
    const { id: _id, meta, ...rest } = resourceOf(read);
    expect(rest).toEqual(sent);
    expect(field(meta, 'versionId')).toBe('1');
  });

  it('is read by the patient themself, and by nobody without a relationship', async () => {
    expect((await api(`/${type}/${id}`, { token: patientUser })).status).toBe(200);
    const stranger = await token({
      role: 'clinician',
      org,
      sub: `stranger-${type}`,
      practitionerId: 'nobody',
    });
    const refused = await api(`/${type}/${id}`, { token: stranger });
    expect(refused.status, refused.text).toBe(404);
    const compliance = await token({ role: 'compliance', org, sub: `compliance-${type}` });
    expect((await api(`/${type}/${id}`, { token: compliance })).status).toBe(403);
    const foreign = await token({ role: 'admin', org: newOrg(), sub: 'foreign-admin' });
    expect((await api(`/${type}/${id}`, { token: foreign })).status).toBe(404);
  });

  it('is not written by the patient (403) nor into a compartment the clinician has no relationship with (422)', async () => {
    const own = await api(`/${type}`, { token: patientUser, body: sent });
    expect(own.status, own.text).toBe(403);
    const otherPatient = await createPatient(admin, phiPatient(testPhi()));
    const elsewhere = visitRecord(
      { patient: otherPatient, practitioner: practitionerId },
      '2026-11-20T09:30:00Z',
    )[type];
    const refused = await api(`/${type}`, { token: clinician, body: elsewhere });
    expect(refused.status, refused.text).toBe(422);
  });

  it('is updated with If-Match, patched, listed in its history and read by version', async () => {
    const stale = await api(`/${type}/${id}`, {
      method: 'PUT',
      token: clinician,
      body: { ...sent, id },
      headers: { 'if-match': 'W/"7"' },
    });
    expect(stale.status, stale.text).toBe(412);
    const updated = await api(`/${type}/${id}`, {
      method: 'PUT',
      token: clinician,
      body: { ...sent, id, language: 'en' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    const patched = await api(`/${type}/${id}`, {
      method: 'PATCH',
      token: clinician,
      body: [{ op: 'replace', path: '/language', value: 'nl' }],
      headers: { 'if-match': 'W/"2"', 'content-type': 'application/json-patch+json' },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(field(patched.json, 'language')).toBe('nl');
    const history = await api(`/${type}/${id}/_history`, { token: patientUser });
    expect(history.status, history.text).toBe(200);
    const versions = (field(history.json, 'entry') as unknown[]).map((entry) =>
      field(entry, 'resource', 'meta', 'versionId'),
    );
    expect(versions).toEqual(['3', '2', '1']);
    const first = await api(`/${type}/${id}/_history/1`, { token: clinician });
    expect(first.status).toBe(200);
    expect(field(first.json, 'language')).toBeUndefined();
  });

  it('refuses to move to another patient’s record', async () => {
    const otherPatient = await createPatient(admin, {
      ...phiPatient(testPhi()),
      generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }],
    });
    const moved = JSON.parse(
      JSON.stringify({ ...sent, id }).replaceAll(`Patient/${patientId}`, `Patient/${otherPatient}`),
    ) as Record<string, unknown>;
    const response = await api(`/${type}/${id}`, {
      method: 'PUT',
      token: clinician,
      body: moved,
      headers: { 'if-match': 'W/"3"' },
    });
    expect(response.status, response.text).toBe(422);
  });

  it('is found by patient, and deleted logically: 410 on read, gone from searches, history kept', async () => {
    const found = await api(`/${type}?patient=${patientId}`, { token: clinician });
    expect(found.status, found.text).toBe(200);
    expect(matchIds(found.json)).toContain(id);
    const deleted = await api(`/${type}/${id}`, { method: 'DELETE', token: clinician });
    expect(deleted.status, deleted.text).toBe(204);
    expect((await api(`/${type}/${id}`, { token: clinician })).status).toBe(410);
    const after = await api(`/${type}?patient=${patientId}`, { token: clinician });
    expect(matchIds(after.json)).not.toContain(id);
    const history = await api(`/${type}/${id}/_history`, { token: clinician });
    expect(field(history.json, 'entry', 0, 'request', 'method')).toBe('DELETE');
  });

  it('leaves an AuditEvent of each access that names the patient', async () => {
    const events = (await orgAuditEvents(org)).map(({ event }) => event);
    const reads = events.filter(
      (event) => field(event, 'action') === 'R' && JSON.stringify(event).includes(`"${type}/${id}"`),
    );
    expect(reads.length).toBeGreaterThan(0);
    expect(JSON.stringify(reads[0])).toContain(`Patient/${patientId}`);
  });
});

describe('conditional and idempotent creates of clinical records', () => {
  it('an Idempotency-Key replays the first create (same id, 201), and refuses another body with 422', async () => {
    const body = visitRecord(
      { patient: patientId, practitioner: practitionerId },
      '2026-11-22T08:00:00Z',
    ).Observation;
    const headers = { 'idempotency-key': `obs-${patientId}` };
    const first = await api('/Observation', { token: clinician, body, headers });
    expect(first.status, first.text).toBe(201);
    const again = await api('/Observation', { token: clinician, body, headers });
    expect(again.status, again.text).toBe(201);
    expect(field(again.json, 'id')).toBe(field(first.json, 'id'));
    const other = await api('/Observation', {
      token: clinician,
      body: { ...body, status: 'amended' },
      headers,
    });
    expect(other.status, other.text).toBe(422);
    const found = await api(`/Observation?patient=${patientId}&date=2026-11-22`, { token: clinician });
    expect(matchIds(found.json)).toEqual([field(first.json, 'id')]);
  });

  it('If-None-Exist gives the one match back (200) instead of a second record, and creates when none matches', async () => {
    const body = visitRecord(
      { patient: patientId, practitioner: practitionerId },
      '2026-11-23T08:00:00Z',
    ).Condition;
    const criteria = `patient=${patientId}&code=http://snomed.info/sct|59621000&recorded-date=2026-11-23`;
    const created = await api('/Condition', {
      token: clinician,
      body,
      headers: { 'if-none-exist': criteria },
    });
    expect(created.status, created.text).toBe(201);
    const matched = await api('/Condition', {
      token: clinician,
      body,
      headers: { 'if-none-exist': criteria },
    });
    expect(matched.status, matched.text).toBe(200);
    expect(field(matched.json, 'id')).toBe(field(created.json, 'id'));
    const unknown = await api('/Condition', {
      token: clinician,
      body,
      headers: { 'if-none-exist': 'severity=severe' },
    });
    expect(unknown.status, unknown.text).toBe(400);
  });
});

describe('clinical records in a care team', () => {
  it('a CareTeam membership is a care relationship for its period, and ends with the team', async () => {
    const memberId = await createPractitioner(admin, practitionerBody('Lindqvist'));
    const member = await token({ role: 'clinician', org, sub: 'team-member', practitionerId: memberId });
    const observation = await createResource(
      clinician,
      visitRecord({ patient: patientId, practitioner: practitionerId }, '2026-11-21T10:00:00Z').Observation,
    );
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(404);
    const future = await createResource(
      admin,
      visitRecord({ patient: patientId, practitioner: memberId }, '2099-01-01T00:00:00Z').CareTeam,
    );
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(404);
    const team = await createResource(
      admin,
      visitRecord({ patient: patientId, practitioner: memberId }, '2026-01-01T00:00:00Z').CareTeam,
    );
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(200);
    const ended = await api(`/CareTeam/${team}`, {
      method: 'PATCH',
      token: admin,
      body: [{ op: 'replace', path: '/status', value: 'inactive' }],
      headers: { 'if-match': 'W/"1"', 'content-type': 'application/json-patch+json' },
    });
    expect(ended.status, ended.text).toBe(200);
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(404);
    const again = await createResource(
      admin,
      visitRecord({ patient: patientId, practitioner: memberId }, '2026-01-01T00:00:00Z').CareTeam,
    );
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(200);
    expect((await api(`/CareTeam/${again}`, { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await api(`/Observation/${observation}`, { token: member })).status).toBe(404);
    expect((await api(`/CareTeam/${future}`, { token: admin })).status).toBe(200);
  });
});
