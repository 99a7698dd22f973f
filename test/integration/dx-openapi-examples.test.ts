import { describe, expect, it } from 'vitest';
import { EXAMPLE_IDS } from '../../shared/http/openapi-examples.ts';
import { clinicalDefinitions } from '../../shared/resources/clinical.ts';
import { routeEntries } from '../../shared/routes.ts';
import { WORKING_HOURS_URL } from '../../shared/schedule/working-hours.ts';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { newOrg } from '../support/patients.ts';
import { idOf } from '../support/schedule.ts';

/**
 * The request-body examples of /openapi.json are what Swagger UI's "Try it out" sends: each
 * one, with the placeholder ids replaced by real ones, is sent to its route and succeeds.
 */

interface BodyExample {
  routeId: string;
  method: string;
  path: string;
  mediaType: string;
  value: unknown;
}

async function bodyExamples(): Promise<BodyExample[]> {
  const response = await api('/openapi.json');
  expect(response.status).toBe(200);
  const found: BodyExample[] = [];
  for (const [routeId, def] of routeEntries()) {
    const content = field(
      response.json,
      'paths',
      def.path,
      def.method.toLowerCase(),
      'requestBody',
      'content',
    );
    if (typeof content !== 'object' || content === null) continue;
    for (const [mediaType, media] of Object.entries(content)) {
      const examples = field(media, 'examples');
      const values = Object.values(typeof examples === 'object' && examples !== null ? examples : {});
      expect(values.length, `${routeId} ${mediaType} has no example`).toBeGreaterThan(0);
      for (const example of values)
        found.push({
          routeId,
          method: def.method,
          path: def.path,
          mediaType,
          value: field(example, 'value'),
        });
    }
  }
  return found;
}

/** The example with its placeholder ids replaced. */
const withIds = (value: unknown, ids: Partial<Record<keyof typeof EXAMPLE_IDS, string>>): unknown => {
  let text = JSON.stringify(value);
  for (const [name, id] of Object.entries(ids)) {
    if (id) text = text.replaceAll(EXAMPLE_IDS[name as keyof typeof EXAMPLE_IDS], id);
  }
  return JSON.parse(text);
};

/** A form example's fields as Swagger UI sends them: an array is a repeated parameter. */
const formEncoded = (value: unknown): string =>
  new URLSearchParams(
    Object.entries(typeof value === 'object' && value !== null ? value : {}).flatMap(([name, v]) =>
      (Array.isArray(v) ? v : [v]).map((item): [string, string] => [name, String(item)]),
    ),
  ).toString();

const send = (example: BodyExample, bearer: string, path: string, ifMatch?: string): Promise<ApiResponse> =>
  api(path, {
    method: example.method,
    token: bearer,
    rawBody:
      example.mediaType === 'application/x-www-form-urlencoded'
        ? formEncoded(example.value)
        : JSON.stringify(example.value),
    headers: { 'content-type': example.mediaType, ...(ifMatch ? { 'if-match': ifMatch } : {}) },
  });

describe('the request-body examples of /openapi.json', () => {
  it('exist for every route that takes a body; the Practitioner example has working hours', async () => {
    const examples = await bodyExamples();
    const withBody = routeEntries().filter(([, def]) => ['POST', 'PUT', 'PATCH'].includes(def.method));
    expect(new Set(examples.map((example) => example.routeId))).toEqual(new Set(withBody.map(([id]) => id)));
    const practitioner = examples.find((example) => example.routeId === 'createPractitioner');
    expect(JSON.stringify(practitioner?.value)).toContain(WORKING_HOURS_URL);
    for (const example of examples)
      expect(JSON.stringify(example.value).length, example.routeId).toBeLessThan(2000);
  });

  it('each succeeds on its route once its placeholder ids name real records', async () => {
    const examples = new Map((await bodyExamples()).map((example) => [example.routeId, example]));
    const example = (routeId: string): BodyExample => {
      const found = examples.get(routeId);
      if (!found) throw new Error(`no example for ${routeId}`);
      return found;
    };
    const adminOrg = newOrg();
    const admin = await token({ role: 'admin', org: adminOrg, sub: 'examples-admin' });
    const statuses: Record<string, number> = {};
    const expectOk = (routeId: string, response: ApiResponse) => {
      statuses[routeId] = response.status;
      expect(response.status, `${routeId}: ${response.text}`).toBeGreaterThanOrEqual(200);
      expect(response.status, `${routeId}: ${response.text}`).toBeLessThan(300);
      return response;
    };

    const patientId = idOf(
      expectOk('createPatient', await send(example('createPatient'), admin, '/Patient')),
    );
    const update = {
      ...example('updatePatient'),
      value: withIds(example('updatePatient').value, { patient: patientId }),
    };
    expectOk('updatePatient', await send(update, admin, `/Patient/${patientId}`, 'W/"1"'));
    expectOk('patchPatient', await send(example('patchPatient'), admin, `/Patient/${patientId}`, 'W/"2"'));

    /** A practitioner of the example and a visit of the example with them, for a new patient each time. */
    const book = async (): Promise<{ ids: Record<string, string> }> => {
      const practitioner = idOf(
        expectOk('createPractitioner', await send(example('createPractitioner'), admin, '/Practitioner')),
      );
      const patient = idOf(await send(example('createPatient'), admin, '/Patient'));
      const booking = example('createAppointment');
      const appointment = idOf(
        expectOk(
          'createAppointment',
          await send(
            { ...booking, value: withIds(booking.value, { patient, practitioner }) },
            admin,
            '/Appointment',
          ),
        ),
      );
      return { ids: { patient, practitioner, appointment } };
    };

    const first = await book();
    const put = example('updateAppointment');
    expectOk(
      'updateAppointment',
      await send(
        { ...put, value: withIds(put.value, first.ids) },
        admin,
        `/Appointment/${first.ids.appointment}`,
        'W/"1"',
      ),
    );
    const second = await book();
    expectOk(
      'patchAppointment',
      await send(example('patchAppointment'), admin, `/Appointment/${second.ids.appointment}`, 'W/"1"'),
    );

    const searchPatients = expectOk(
      'searchPatientsPost',
      await send(example('searchPatientsPost'), admin, '/Patient/_search'),
    );
    expect(field(searchPatients.json, 'entry', 0, 'resource', 'resourceType')).toBe('Patient');
    expectOk(
      'searchPractitionersPost',
      await send(example('searchPractitionersPost'), admin, '/Practitioner/_search'),
    );
    const visits = example('searchAppointmentsPost');
    const searchAppointments = expectOk(
      'searchAppointmentsPost',
      await send(
        { ...visits, value: withIds(visits.value, { practitioner: first.ids.practitioner }) },
        admin,
        '/Appointment/_search',
      ),
    );
    expect(field(searchAppointments.json, 'entry', 0, 'resource', 'resourceType')).toBe('Appointment');
    const compliance = await token({ role: 'compliance', org: adminOrg, sub: 'examples-compliance' });
    expectOk(
      'searchAuditEventsPost',
      await send(example('searchAuditEventsPost'), compliance, '/AuditEvent/_search'),
    );

    // Each clinical type: created for the patient of the visit, replaced, patched, searched.
    for (const type of clinicalDefinitions.map((definition) => definition.resourceType)) {
      const create = example(`create${type}`);
      const id = idOf(
        expectOk(
          `create${type}`,
          await send({ ...create, value: withIds(create.value, first.ids) }, admin, `/${type}`),
        ),
      );
      const put = example(`update${type}`);
      expectOk(
        `update${type}`,
        await send(
          { ...put, value: withIds(put.value, { ...first.ids, record: id }) },
          admin,
          `/${type}/${id}`,
          'W/"1"',
        ),
      );
      expectOk(`patch${type}`, await send(example(`patch${type}`), admin, `/${type}/${id}`, 'W/"2"'));
      const form = example(`search${type}Post`);
      const found = expectOk(
        `search${type}Post`,
        await send({ ...form, value: withIds(form.value, first.ids) }, admin, `/${type}/_search`),
      );
      expect(field(found.json, 'entry', 0, 'resource', 'id'), `search${type}Post`).toBe(id);
    }
    const binary = example('createBinary');
    expectOk(
      'createBinary',
      await send({ ...binary, value: withIds(binary.value, first.ids) }, admin, '/Binary'),
    );

    const batch = expectOk('batch', await send(example('batch'), admin, '/'));
    const entries = field(batch.json, 'entry');
    expect(Array.isArray(entries) && entries.length).toBeGreaterThan(0);
    for (const entry of Array.isArray(entries) ? entries : []) {
      expect(String(field(entry, 'response', 'status')), JSON.stringify(entry)).toMatch(/^2\d\d/);
    }
    expect(Object.keys(statuses).sort()).toEqual([...examples.keys()].sort());
    // Every example of every route, one after the other: about 50 requests, most to a cold function.
  }, 120_000);
});
