import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EXTENSION } from '../../shared/audit/trail.ts';
import { heartRate, noteAttachment, videoVisit } from '../../shared/fhir/clinical-examples.ts';
import { api, baseUrl, field, token } from '../support/api.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, letters, newOrg } from '../support/patients.ts';

const org = newOrg();
const otherOrg = newOrg();
let admin: string;
let patientUser: string;
let compliance: string;
let ownId: string;
let foreignId: string;
const family = `Batchley${letters(6)}`;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'dx-batch-admin' });
  compliance = await token({ role: 'compliance', org, sub: 'dx-batch-compliance' });
  ownId = await createPatient(admin, { resourceType: 'Patient', name: [{ family, given: ['Own'] }] });
  patientUser = await token({ role: 'patient', org, sub: 'dx-batch-patient', patientId: ownId });
  const otherAdmin = await token({ role: 'admin', org: otherOrg, sub: 'dx-batch-other-admin' });
  foreignId = await createPatient(otherAdmin, { resourceType: 'Patient', name: [{ family }] });
});

const batch = (bearer: string, entry: unknown[], type = 'batch') =>
  api('/', { token: bearer, body: { resourceType: 'Bundle', type, entry } });

const entries = (json: unknown): unknown[] => {
  const list = field(json, 'entry');
  return Array.isArray(list) ? list : [];
};
const statusOf = (entry: unknown): string => String(field(entry, 'response', 'status'));

describe('POST / with a batch Bundle', () => {
  it('answers each entry on its own: status, location, etag, resource or outcome', async () => {
    const patch = Buffer.from(JSON.stringify([{ op: 'add', path: '/gender', value: 'female' }])).toString(
      'base64',
    );
    const response = await batch(admin, [
      {
        request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', name: [{ family }] },
      },
      { request: { method: 'GET', url: `Patient/${ownId}` } },
      { request: { method: 'GET', url: `${baseUrl()}/Patient/${ownId}/_history/1` } },
      {
        request: { method: 'POST', url: 'Patient' },
        resource: { resourceType: 'Patient', birthDate: 'soon' },
      },
      { request: { method: 'GET', url: `Patient/${foreignId}` } },
      { request: { method: 'GET', url: 'Medication/1' } },
      { request: { method: 'DELETE', url: 'Patient' } },
      { request: { method: 'POST', url: '/' }, resource: { resourceType: 'Bundle' } },
      { request: { method: 'GET', url: 'https://elsewhere.example/Patient/1' } },
      {
        request: { method: 'PATCH', url: `Patient/${ownId}`, ifMatch: 'W/"1"' },
        resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data: patch },
      },
    ]);
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'type')).toBe('batch-response');
    const [created, read, vread, invalid, foreign, unknown, method, nested, elsewhere, patched] = entries(
      response.json,
    );
    expect(statusOf(created)).toBe('201 Created');
    expect(String(field(created, 'response', 'location'))).toMatch(
      new RegExp(`^${baseUrl()}/Patient/[^/]+/_history/1$`),
    );
    expect(field(created, 'response', 'etag')).toBe('W/"1"');
    expect(field(created, 'resource', 'name', 0, 'family')).toBe(family);
    expect(statusOf(read)).toBe('200 OK');
    expect(field(read, 'resource', 'id')).toBe(ownId);
    expect(statusOf(vread)).toBe('200 OK');
    expect(statusOf(invalid)).toBe('400 Bad Request');
    expect(field(invalid, 'response', 'outcome', 'issue', 0, 'expression')).toEqual(['Patient.birthDate']);
    expect(statusOf(foreign)).toBe('404 Not Found');
    expect(field(foreign, 'resource')).toBeUndefined();
    expect(statusOf(unknown)).toBe('404 Not Found');
    expect(statusOf(method)).toBe('405 Method Not Allowed');
    expect(statusOf(nested)).toBe('400 Bad Request');
    expect(statusOf(elsewhere)).toBe('400 Bad Request');
    expect(statusOf(patched)).toBe('200 OK');
    expect(field(patched, 'resource', 'gender')).toBe('female');
    expect(field(patched, 'response', 'etag')).toBe('W/"2"');
  });

  it('serves the clinical routes as entries: a visit recorded, searched and read whole in one batch each', async () => {
    const refs = { patient: ownId, practitioner: 'unknown-practitioner' };
    const recorded = await batch(admin, [
      { request: { method: 'POST', url: 'Encounter' }, resource: videoVisit(refs, '2026-11-20T09:30:00Z') },
      { request: { method: 'POST', url: 'Observation' }, resource: heartRate(refs, '2026-11-20T09:35:00Z') },
      { request: { method: 'POST', url: 'Binary' }, resource: noteAttachment(refs) },
      {
        request: { method: 'POST', url: 'Observation' },
        resource: { ...heartRate(refs, '2026-11-20'), subject: { reference: 'Group/1' } },
      },
    ]);
    expect(recorded.status, recorded.text).toBe(200);
    expect(entries(recorded.json).map(statusOf)).toEqual([
      '201 Created',
      '201 Created',
      '201 Created',
      '422 Unprocessable Entity',
    ]);
    const observation = String(field(entries(recorded.json)[1], 'resource', 'id'));
    const read = await batch(admin, [
      { request: { method: 'GET', url: `Observation?patient=${ownId}&code=http://loinc.org|8867-4` } },
      { request: { method: 'GET', url: `Patient/${ownId}/$everything?_type=Encounter,Observation` } },
      { request: { method: 'GET', url: `Observation/${observation}/_history/1` } },
    ]);
    const [search, everything, vread] = entries(read.json);
    expect(entries(read.json).map(statusOf)).toEqual(['200 OK', '200 OK', '200 OK']);
    expect(entries(field(search, 'resource')).map((entry) => field(entry, 'resource', 'id'))).toEqual([
      observation,
    ]);
    expect(
      entries(field(everything, 'resource')).map((entry) => field(entry, 'resource', 'resourceType')),
    ).toEqual(['Encounter', 'Observation']);
    expect(field(vread, 'resource', 'id')).toBe(observation);
  });

  it('authorizes each entry as its route would: a patient reads their own record and is refused the rest', async () => {
    const response = await batch(patientUser, [
      { request: { method: 'GET', url: `Patient/${ownId}` } },
      { request: { method: 'POST', url: 'Patient' }, resource: { resourceType: 'Patient' } },
      { request: { method: 'GET', url: 'AuditEvent' } },
    ]);
    expect(response.status).toBe(200);
    expect(entries(response.json).map(statusOf)).toEqual(['200 OK', '403 Forbidden', '403 Forbidden']);
    const asCompliance = await batch(compliance, [{ request: { method: 'GET', url: `Patient/${ownId}` } }]);
    expect(entries(asCompliance.json).map(statusOf)).toEqual(['403 Forbidden']);
  });

  it('leaves one AuditEvent per entry, with its own request id and outcome, and one for the batch', async () => {
    const response = await batch(admin, [
      { request: { method: 'GET', url: `Patient/${ownId}` } },
      { request: { method: 'GET', url: `Patient?family=${family}` } },
      { request: { method: 'GET', url: `Patient/${foreignId}` } },
    ]);
    expect(response.status).toBe(200);
    const batchId = response.headers.get('x-request-id') ?? '';
    const byRequest = new Map<string, unknown[]>();
    for (const { event } of await orgAuditEvents(org)) {
      const extensions = field(event, 'extension');
      const requestId = String(
        field(
          (Array.isArray(extensions) ? extensions : []).find(
            (extension) => field(extension, 'url') === AUDIT_EXTENSION.requestId,
          ),
          'valueString',
        ),
      );
      byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), event]);
    }
    expect(byRequest.get(batchId)?.length).toBe(1);
    expect(field(byRequest.get(batchId)?.[0], 'action')).toBe('E');
    const expected = [
      { action: 'R', outcome: '0' },
      { action: 'E', outcome: '0' },
      { action: 'R', outcome: '4' },
    ];
    expected.forEach(({ action, outcome }, at) => {
      const events = byRequest.get(`${batchId}-${at + 1}`) ?? [];
      expect(events.length, `entry ${at + 1}`).toBe(1);
      expect(field(events[0], 'action')).toBe(action);
      expect(field(events[0], 'outcome')).toBe(outcome);
      expect(field(events[0], 'agent', 0, 'who', 'identifier', 'value')).toBe('dx-batch-admin');
    });
  });

  it('refuses transaction Bundles with 422, more than 100 entries with 400, and no token with 401', async () => {
    const transaction = await batch(admin, [], 'transaction');
    expect(transaction.status).toBe(422);
    expect(field(transaction.json, 'issue', 0, 'code')).toBe('not-supported');
    const tooMany = await batch(
      admin,
      Array.from({ length: 101 }, () => ({ request: { method: 'GET', url: `Patient/${ownId}` } })),
    );
    expect(tooMany.status).toBe(400);
    const anonymous = await api('/', { body: { resourceType: 'Bundle', type: 'batch', entry: [] } });
    expect(anonymous.status).toBe(401);
    const empty = await batch(admin, []);
    expect(empty.status).toBe(200);
    expect(entries(empty.json)).toEqual([]);
  });

  it('answers 100 entries in one request', async () => {
    const response = await batch(
      admin,
      Array.from({ length: 100 }, () => ({ request: { method: 'GET', url: `Patient/${ownId}` } })),
    );
    expect(response.status).toBe(200);
    expect(new Set(entries(response.json).map(statusOf))).toEqual(new Set(['200 OK']));
    expect(entries(response.json).length).toBe(100);
  });
});
