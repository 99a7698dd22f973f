import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { orgAuditEvents, orgRecordItems, resourceItems } from '../support/dynamo.ts';
import { createPatient, letters, newOrg } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/**
 * Bounded work per request (issue 13): no JSON Patch, batch or oversized resource makes the
 * service do unbounded work or answer 500, whatever the caller's role.
 */
const org = newOrg();
let admin: string;
let clinician: string;
let patientUser: string;
/** Registered by the clinician (so in their care), with a login of its own. */
let patientId: string;
let appointmentId: string;

const family = `Bounds${letters(6)}`;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'bounded-admin' });
  const practitionerId = await createPractitioner(
    admin,
    practitionerBody('Boundary', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
  );
  clinician = await token({ role: 'clinician', org, sub: 'bounded-dr', practitionerId });
  patientId = await createPatient(clinician, { resourceType: 'Patient', name: [{ family, given: ['B'] }] });
  patientUser = await token({ role: 'patient', org, sub: 'bounded-patient', patientId });
  const start = utcDay(12) + 10 * HOUR;
  const booked = await api('/Appointment', {
    token: admin,
    body: appointmentBody(patientId, practitionerId, start, start + HOUR / 2),
  });
  expect(booked.status, booked.text).toBe(201);
  appointmentId = idOf(booked);
});

const patch = (path: string, bearer: string, operations: unknown[], ifMatch = 'W/"1"') =>
  api(path, {
    method: 'PATCH',
    token: bearer,
    headers: { 'content-type': 'application/json-patch+json', 'if-match': ifMatch },
    rawBody: JSON.stringify(operations),
  });

/** Each `copy` doubles the array it copies into itself: 2^100 values if nothing stops it. */
const copyBomb = (path: string): unknown[] =>
  Array.from({ length: 100 }, () => ({ op: 'copy', from: path, path: `${path}/-` }));

const countBatch = (bearer: string) =>
  api('/', {
    token: bearer,
    body: {
      resourceType: 'Bundle',
      type: 'batch',
      entry: Array.from({ length: 100 }, () => ({
        request: { method: 'GET', url: `Patient?family=${family}&_summary=count` },
      })),
    },
  });

/** An Attachment whose base64 `data` is `length` characters. */
const photo = (length: number) => ({
  contentType: 'image/jpeg',
  data: Buffer.alloc((length / 4) * 3, 7).toString('base64'),
});

const issueCode = (response: ApiResponse): unknown => field(response.json, 'issue', 0, 'code');
const outcomeOf = (response: ApiResponse): unknown => field(response.json, 'resourceType');

const versionOf = async (path: string, bearer: string): Promise<unknown> =>
  field((await api(path, { token: bearer })).json, 'meta', 'versionId');

describe('JSON Patch is bounded', () => {
  it('a clinician’s 100-operation copy bomb is refused with 422 too-costly and the record stays at its version', async () => {
    const response = await patch(`/Patient/${patientId}`, clinician, copyBomb('/name'));
    expect(response.status, response.text).toBe(422);
    expect(outcomeOf(response)).toBe('OperationOutcome');
    expect(issueCode(response)).toBe('too-costly');
    expect(await versionOf(`/Patient/${patientId}`, clinician)).toBe('1');
  });

  it('a patch that grows a record past the request body limit is refused with 413 after that operation', async () => {
    const id = await createPatient(admin, {
      resourceType: 'Patient',
      photo: [photo(300 * 1024)],
    });
    const operations = Array.from({ length: 4 }, () => ({
      op: 'copy',
      from: '/photo/0',
      path: '/photo/-',
    }));
    const response = await patch(`/Patient/${id}`, admin, operations);
    expect(response.status, response.text).toBe(413);
    expect(issueCode(response)).toBe('too-long');
    expect(field(response.json, 'issue', 0, 'expression', 0)).toBe('/photo/-');
    expect(await versionOf(`/Patient/${id}`, admin)).toBe('1');
  });

  it('a patient’s copy bomb on their appointment answers 4xx and changes nothing', async () => {
    const response = await patch(`/Appointment/${appointmentId}`, patientUser, copyBomb('/participant'));
    expect(response.status, response.text).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(outcomeOf(response)).toBe('OperationOutcome');
    expect(await versionOf(`/Appointment/${appointmentId}`, admin)).toBe('1');
  });
});

describe('reads of many pages are refused inside batches', () => {
  for (const role of ['patient', 'clinician'] as const) {
    it(`a ${role}’s batch of 100 _summary=count entries answers 422 too-costly and runs none of them`, async () => {
      const before = (await orgAuditEvents(org)).length;
      const response = await countBatch(role === 'patient' ? patientUser : clinician);
      expect(response.status, response.text).toBe(422);
      expect(issueCode(response)).toBe('too-costly');
      const issues = field(response.json, 'issue');
      expect(Array.isArray(issues) ? issues.length : 0).toBe(100);
      expect(field(response.json, 'issue', 99, 'expression', 0)).toBe('Bundle.entry[99].request.url');
      // The batch's own AuditEvent, and none for entries that never ran.
      expect((await orgAuditEvents(org)).length).toBe(before + 1);
    });
  }

  it('a batch with one $verify entry is refused as a whole', async () => {
    const compliance = await token({ role: 'compliance', org, sub: 'bounded-compliance' });
    const response = await api('/', {
      token: compliance,
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: 'AuditEvent?_count=1' } },
          { request: { method: 'GET', url: 'AuditEvent/$verify' } },
        ],
      },
    });
    expect(response.status, response.text).toBe(422);
    expect(field(response.json, 'issue', 0, 'expression', 0)).toBe('Bundle.entry[1].request.url');
  });

  it('a single _summary=count search is still served', async () => {
    const response = await api(`/Patient?family=${family}&_summary=count`, { token: clinician });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'total')).toBe(1);
  });
});

describe('client input never reaches 500', () => {
  it('a Patient with a 600 KB photo answers 413 and stores nothing', async () => {
    const before = (await orgRecordItems(org)).length;
    const response = await api('/Patient', {
      token: admin,
      body: {
        resourceType: 'Patient',
        name: [{ family }],
        photo: [{ contentType: 'image/jpeg', data: Buffer.alloc(450 * 1024, 7).toString('base64') }],
      },
    });
    expect(response.status, response.text).toBe(413);
    expect(outcomeOf(response)).toBe('OperationOutcome');
    expect(issueCode(response)).toBe('too-long');
    expect((await orgRecordItems(org)).length).toBe(before);
  });

  it('a 3 KB patch that grows a record past 400 KB answers 413 and writes no version', async () => {
    const id = await createPatient(admin, {
      resourceType: 'Patient',
      photo: [photo(150 * 1024)],
    });
    const operations = [
      { op: 'copy', from: '/photo/0', path: '/photo/-' },
      { op: 'copy', from: '/photo/0', path: '/photo/-' },
      { op: 'add', path: '/photo/-', value: { title: 'z'.repeat(3000) } },
    ];
    expect(JSON.stringify(operations).length).toBeLessThan(3300);
    const items = (await resourceItems(org, 'Patient', id)).length;
    const response = await patch(`/Patient/${id}`, admin, operations);
    expect(response.status, response.text).toBe(413);
    expect(issueCode(response)).toBe('too-long');
    expect((await resourceItems(org, 'Patient', id)).length).toBe(items);
    expect(await versionOf(`/Patient/${id}`, admin)).toBe('1');
  });

  for (const url of [
    '/Patient/%zz',
    '/Patient/%',
    '/Patient/%ff/_history',
    '/Patient?family=%zz',
    '/Patient?family=a%',
  ]) {
    it(`a malformed percent-escape in ${url} answers 400 with an OperationOutcome`, async () => {
      const response = await api(url, { token: admin });
      expect(response.status, response.text).toBe(400);
      expect(outcomeOf(response)).toBe('OperationOutcome');
    });
  }

  it('a malformed percent-escape in a batch entry’s URL answers that entry 400, not 500', async () => {
    const response = await api('/', {
      token: admin,
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: ['Patient/%zz', 'Patient/%', 'Patient?family=%zz', 'Patient/%ff', 'http://[bad'].map(
          (url) => ({
            request: { method: 'GET', url },
          }),
        ),
      },
    });
    expect(response.status, response.text).toBe(200);
    const entries = field(response.json, 'entry');
    const statuses = (Array.isArray(entries) ? entries : []).map((entry) =>
      field(entry, 'response', 'status'),
    );
    expect(statuses).toEqual(Array.from({ length: 5 }, () => '400 Bad Request'));
  });
});

describe('the gateway keeps serving while a bomb is in flight', () => {
  it('copy bombs and count batches of a patient and a clinician answer 4xx while /health and a read answer 200', async () => {
    const bombs = [
      patch(`/Patient/${patientId}`, clinician, copyBomb('/name')),
      patch(`/Appointment/${appointmentId}`, patientUser, copyBomb('/participant')),
      countBatch(patientUser),
      countBatch(clinician),
    ];
    const others = [api('/health'), api(`/Patient/${patientId}`, { token: clinician })];
    const [refused, served] = await Promise.all([Promise.all(bombs), Promise.all(others)]);
    for (const response of refused) {
      expect(response.status, response.text).toBeGreaterThanOrEqual(400);
      expect(response.status, response.text).toBeLessThan(500);
    }
    expect(served.map((response) => response.status)).toEqual([200, 200]);
    // Still alive and answering afterwards.
    expect((await api('/health')).status).toBe(200);
  });
});
