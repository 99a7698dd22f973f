import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundles, type LambdaBundle } from '../../infra/bundle/build.ts';
import { routeEntries } from '../../shared/routes.ts';
import { api, field, token } from '../support/api.ts';
import { itemText, orgRecordItems } from '../support/dynamo.ts';
import { ROOT } from '../support/gateway.ts';
import { startInProcessGateway } from '../support/in-process.ts';
import { newOrg } from '../support/patients.ts';
import {
  APPOINTMENT_PHI,
  appointmentBody,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/**
 * The code that is deployed, not the sources: every route function bundled exactly as the
 * CDK bundles it (AWS SDK inside, the bundle-time replacements of infra/bundle/options.ts),
 * each bundle with its own SDK clients, keyring and caches, served by an in-process gateway
 * over the run's DynamoDB Local and key material. The batch route stays on its source: in a
 * bundle it would invoke the other functions through Lambda.
 */
const org = newOrg();
let dir: string;
let bundles: Map<string, LambdaBundle>;
let gateway: { url: string; close(): Promise<void> };
let admin: string;
let compliance: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fhir-records-lambda-bundles-'));
  const entries = routeEntries()
    .filter(([id]) => id !== 'batch')
    .map(([id, def]) => ({ id, handler: def.handler, access: def.access }));
  bundles = new Map((await buildLambdaBundles(ROOT, entries, dir)).map((bundle) => [bundle.id, bundle]));
  gateway = await startInProcessGateway({
    handlerModule: (id, def) => bundles.get(id)?.file ?? join(ROOT, def.handler),
  });
  admin = await token({ role: 'admin', org, sub: 'bundles-admin' });
  compliance = await token({ role: 'compliance', org, sub: 'bundles-compliance' });
});
afterAll(async () => {
  await gateway?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const viaBundles = (path: string, options: Parameters<typeof api>[1] = {}) =>
  api(path, { ...options, base: gateway.url });
/** The same request to the run's gateway, which runs the handlers from source. */
const viaSources = (path: string, options: Parameters<typeof api>[1] = {}) => api(path, options);

// Each test sends a dozen requests through freshly loaded bundles: room for a loaded machine.
describe('the Lambda bundles', { timeout: 120_000 }, () => {
  it('are self-contained: they import nothing but Node built-ins at run time', () => {
    expect(bundles.size).toBe(routeEntries().length - 1);
    for (const bundle of bundles.values()) {
      expect(bundle.imports.length, bundle.id).toBeGreaterThan(0);
      expect(
        bundle.imports.filter((specifier) => !isBuiltin(specifier)),
        bundle.id,
      ).toEqual([]);
    }
  });

  it('register, read, find, update, patch and list the history of a patient', async () => {
    const family = `Bundled${randomUUID().slice(0, 6)}`;
    const created = await viaBundles('/Patient', {
      token: admin,
      body: { resourceType: 'Patient', name: [{ family, given: ['Ilse'] }], birthDate: '1980-04-02' },
    });
    expect(created.status, created.text).toBe(201);
    const id = idOf(created);

    const read = await viaBundles(`/Patient/${id}`, { token: admin });
    expect(read.status, read.text).toBe(200);
    expect(field(read.json, 'name', 0, 'family')).toBe(family);

    const found = await viaBundles(`/Patient?family=${family.toLowerCase()}`, { token: admin });
    expect(found.status, found.text).toBe(200);
    expect(field(found.json, 'entry', 0, 'resource', 'id')).toBe(id);

    const updated = await viaBundles(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      headers: { 'if-match': 'W/"1"' },
      body: { resourceType: 'Patient', id, name: [{ family, given: ['Ilse', 'Marie'] }], gender: 'female' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');

    const patched = await viaBundles(`/Patient/${id}`, {
      method: 'PATCH',
      token: admin,
      headers: { 'if-match': 'W/"2"', 'content-type': 'application/json-patch+json' },
      rawBody: JSON.stringify([{ op: 'replace', path: '/gender', value: 'other' }]),
    });
    expect(patched.status, patched.text).toBe(200);
    expect(field(patched.json, 'gender')).toBe('other');

    const history = await viaBundles(`/Patient/${id}/_history`, { token: admin });
    expect(history.status, history.text).toBe(200);
    expect(field(history.json, 'entry', 'length')).toBe(3);
    const first = await viaBundles(`/Patient/${id}/_history/1`, { token: admin });
    expect(field(first.json, 'name', 0, 'given')).toEqual(['Ilse']);
  });

  it('write records the source handlers read, and read records the source handlers wrote', async () => {
    for (const [writer, reader, family] of [
      [viaBundles, viaSources, 'Sealedbybundle'],
      [viaSources, viaBundles, 'Sealedbysource'],
    ] as const) {
      const created = await writer('/Patient', {
        token: admin,
        body: { resourceType: 'Patient', name: [{ family }] },
      });
      expect(created.status, created.text).toBe(201);
      const read = await reader(`/Patient/${idOf(created)}`, { token: admin });
      expect(read.status, read.text).toBe(200);
      expect(field(read.json, 'name', 0, 'family')).toBe(family);
    }
  });

  it('book an appointment in working hours, find it, and show it in the access log and its export', async () => {
    const practitioner = await viaBundles('/Practitioner', {
      token: admin,
      body: practitionerBody('Bundlehours', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
    });
    expect(practitioner.status, practitioner.text).toBe(201);
    const practitionerId = idOf(practitioner);
    const patient = await viaBundles('/Patient', {
      token: admin,
      body: { resourceType: 'Patient', name: [{ family: 'Bundlevisit' }] },
    });
    const patientId = idOf(patient);
    const day = utcDay(20);

    const availability = await viaBundles(
      `/Practitioner/${practitionerId}/$availability?start=${new Date(day).toISOString()}&end=${new Date(day + 24 * HOUR).toISOString()}`,
      { token: admin },
    );
    expect(availability.status, availability.text).toBe(200);

    const booked = await viaBundles('/Appointment', {
      token: admin,
      body: appointmentBody(patientId, practitionerId, day + 9 * HOUR, day + 10 * HOUR),
    });
    expect(booked.status, booked.text).toBe(201);
    const appointmentId = idOf(booked);
    const clash = await viaBundles('/Appointment', {
      token: admin,
      body: appointmentBody(patientId, practitionerId, day + 9.5 * HOUR, day + 10.5 * HOUR),
    });
    expect(clash.status, clash.text).toBe(409);

    const found = await viaBundles(`/Appointment?patient=Patient/${patientId}`, { token: admin });
    expect(found.status, found.text).toBe(200);
    expect(field(found.json, 'entry', 0, 'resource', 'id')).toBe(appointmentId);
    expect(field(found.json, 'entry', 0, 'resource', 'description')).toBe(
      field(appointmentBody(patientId, practitionerId, 0, 0), 'description'),
    );
    for (const item of await orgRecordItems(org)) {
      for (const phi of APPOINTMENT_PHI) expect(itemText(item)).not.toContain(phi);
    }

    const log = await viaBundles(`/AuditEvent?patient=Patient/${patientId}`, { token: compliance });
    expect(log.status, log.text).toBe(200);
    const actions = (field(log.json, 'entry') as unknown[]).map((entry) =>
      field(entry, 'resource', 'action'),
    );
    // The patient's and the appointment's creation, the refused booking, the search.
    expect([...actions].sort()).toEqual(['C', 'C', 'C', 'E']);
    const exported = await viaBundles(`/AuditEvent?patient=Patient/${patientId}&_format=ndjson`, {
      token: compliance,
    });
    expect(exported.status, exported.text).toBe(200);
    expect(exported.text.trim().split('\n').length).toBe(actions.length);
  });
});
