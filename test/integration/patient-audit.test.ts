import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, type CallOptions, field, token } from '../support/api.ts';
import { getRecordItem, itemText, orgAuditEvents, setRecordAttribute } from '../support/dynamo.ts';
import { newOrg, phiPatient, phiStrings, resourceOf, testPhi } from '../support/patients.ts';

/**
 * Every request this file makes goes to its own organization and is noted with the
 * AuditEvent it must leave; the access log is then checked against the notes.
 */
const org = newOrg();
const phi = testPhi();

interface Expected {
  label: string;
  requestId: string;
  action: 'C' | 'R' | 'U' | 'D' | 'E';
  outcome: '0' | '4' | '8';
  sub: string;
  /** A Patient the event must name, when the request concerned one. */
  entity?: string;
  breakGlass?: boolean;
}

const expected: Expected[] = [];
const subs = {
  admin: 'audit-admin',
  gp: 'audit-dr-gp',
  stranger: 'audit-dr-none',
  patient: 'audit-patient',
  compliance: 'audit-compliance',
};
const tokens: Record<keyof typeof subs, string> = {
  admin: '',
  gp: '',
  stranger: '',
  patient: '',
  compliance: '',
};
let id = '';
let other = '';

async function call(
  label: string,
  who: keyof typeof subs,
  path: string,
  options: CallOptions,
  audit: {
    action: Expected['action'];
    outcome: Expected['outcome'];
    status: number;
    entity?: (response: ApiResponse) => string;
    breakGlass?: boolean;
  },
): Promise<ApiResponse> {
  const response = await api(path, { ...options, token: tokens[who] });
  expect(response.status, `${label}: ${response.text}`).toBe(audit.status);
  const requestId = response.headers.get('x-request-id');
  expect(requestId, label).toBeTruthy();
  expected.push({
    label,
    requestId: String(requestId),
    action: audit.action,
    outcome: audit.outcome,
    sub: subs[who],
    ...(audit.entity ? { entity: audit.entity(response) } : {}),
    ...(audit.breakGlass ? { breakGlass: true } : {}),
  });
  return response;
}

const patchBody = (operations: unknown[]) => ({
  rawBody: JSON.stringify(operations),
  headers: { 'content-type': 'application/json-patch+json' },
});

beforeAll(async () => {
  tokens.admin = await token({ role: 'admin', org, sub: subs.admin });
  tokens.gp = await token({ role: 'clinician', org, sub: subs.gp, practitionerId: 'pr-audit-gp' });
  tokens.stranger = await token({
    role: 'clinician',
    org,
    sub: subs.stranger,
    practitionerId: 'pr-audit-none',
  });
  tokens.compliance = await token({ role: 'compliance', org, sub: subs.compliance });
  const patient = phiPatient(phi, { generalPractitioner: [{ reference: 'Practitioner/pr-audit-gp' }] });

  const created = await call(
    'create',
    'admin',
    '/Patient',
    { body: patient, headers: { 'idempotency-key': 'audit-1' } },
    {
      action: 'C',
      outcome: '0',
      status: 201,
      entity: (response) => String(field(response.json, 'id')),
    },
  );
  id = String(field(created.json, 'id'));
  tokens.patient = await token({ role: 'patient', org, sub: subs.patient, patientId: id });
  await call(
    'idempotent replay',
    'admin',
    '/Patient',
    { body: patient, headers: { 'idempotency-key': 'audit-1' } },
    {
      action: 'C',
      outcome: '0',
      status: 201,
      entity: () => id,
    },
  );
  await call(
    'reused key, other body',
    'admin',
    '/Patient',
    { body: { ...patient, gender: 'male' }, headers: { 'idempotency-key': 'audit-1' } },
    {
      action: 'C',
      outcome: '4',
      status: 422,
    },
  );
  await call(
    'invalid create',
    'admin',
    '/Patient',
    { body: { ...patient, birthDate: 'yesterday' } },
    {
      action: 'C',
      outcome: '4',
      status: 400,
    },
  );
  await call(
    'create by a patient',
    'patient',
    '/Patient',
    { body: patient },
    { action: 'C', outcome: '4', status: 403 },
  );
  const second = await call(
    'second create',
    'gp',
    '/Patient',
    { body: phiPatient(testPhi()) },
    {
      action: 'C',
      outcome: '0',
      status: 201,
      entity: (response) => String(field(response.json, 'id')),
    },
  );
  other = String(field(second.json, 'id'));

  await call(
    'read',
    'admin',
    `/Patient/${id}`,
    {},
    { action: 'R', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'read by the GP',
    'gp',
    `/Patient/${id}`,
    {},
    { action: 'R', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'read by the patient',
    'patient',
    `/Patient/${id}`,
    {},
    { action: 'R', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'denied read',
    'stranger',
    `/Patient/${id}`,
    {},
    { action: 'R', outcome: '4', status: 404, entity: () => id },
  );
  await call(
    'denied read of another patient',
    'patient',
    `/Patient/${other}`,
    {},
    {
      action: 'R',
      outcome: '4',
      status: 404,
      entity: () => other,
    },
  );
  await call(
    'break-glass read',
    'stranger',
    `/Patient/${id}`,
    { headers: { 'x-break-glass-reason': 'emergency: patient unresponsive' } },
    {
      action: 'R',
      outcome: '0',
      status: 200,
      entity: () => id,
      breakGlass: true,
    },
  );
  await call(
    'read of an unknown id',
    'admin',
    '/Patient/no-such-patient',
    {},
    {
      action: 'R',
      outcome: '4',
      status: 404,
      entity: () => 'no-such-patient',
    },
  );
  await call(
    'compliance read',
    'compliance',
    `/Patient/${id}`,
    {},
    { action: 'R', outcome: '4', status: 403 },
  );
  await call('compliance search', 'compliance', '/Patient', {}, { action: 'E', outcome: '4', status: 403 });
  await call(
    'vread',
    'admin',
    `/Patient/${id}/_history/1`,
    {},
    { action: 'R', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'vread of a missing version',
    'admin',
    `/Patient/${id}/_history/9`,
    {},
    {
      action: 'R',
      outcome: '4',
      status: 404,
      entity: () => id,
    },
  );
  await call(
    'history',
    'gp',
    `/Patient/${id}/_history`,
    {},
    { action: 'R', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'search',
    'admin',
    `/Patient?family=${phi.family}`,
    {},
    { action: 'E', outcome: '0', status: 200, entity: () => id },
  );
  await call(
    'search by the patient',
    'patient',
    '/Patient',
    {},
    { action: 'E', outcome: '0', status: 200, entity: () => id },
  );
  await call('invalid search', 'admin', '/Patient?_count=0', {}, { action: 'E', outcome: '4', status: 400 });

  const current = await call(
    'read before update',
    'admin',
    `/Patient/${id}`,
    {},
    {
      action: 'R',
      outcome: '0',
      status: 200,
      entity: () => id,
    },
  );
  const body = { ...resourceOf(current), active: true };
  await call(
    'update',
    'gp',
    `/Patient/${id}`,
    { method: 'PUT', body, headers: { 'if-match': 'W/"1"' } },
    {
      action: 'U',
      outcome: '0',
      status: 200,
      entity: () => id,
    },
  );
  await call(
    'stale update',
    'admin',
    `/Patient/${id}`,
    { method: 'PUT', body, headers: { 'if-match': 'W/"1"' } },
    {
      action: 'U',
      outcome: '4',
      status: 412,
      entity: () => id,
    },
  );
  await call(
    'update without If-Match',
    'admin',
    `/Patient/${id}`,
    { method: 'PUT', body },
    {
      action: 'U',
      outcome: '4',
      status: 428,
      entity: () => id,
    },
  );
  await call(
    'update by the patient',
    'patient',
    `/Patient/${id}`,
    { method: 'PUT', body, headers: { 'if-match': 'W/"2"' } },
    {
      action: 'U',
      outcome: '4',
      status: 403,
    },
  );
  const patch = patchBody([{ op: 'add', path: '/active', value: false }]);
  await call(
    'patch',
    'admin',
    `/Patient/${id}`,
    { method: 'PATCH', ...patch, headers: { ...patch.headers, 'if-match': 'W/"2"' } },
    {
      action: 'U',
      outcome: '0',
      status: 200,
      entity: () => id,
    },
  );
  const badPatch = patchBody([{ op: 'replace', path: '/id', value: 'x' }]);
  await call(
    'patch of the id',
    'admin',
    `/Patient/${id}`,
    { method: 'PATCH', ...badPatch, headers: { ...badPatch.headers, 'if-match': 'W/"3"' } },
    {
      action: 'U',
      outcome: '4',
      status: 422,
      entity: () => id,
    },
  );
  await call(
    'denied delete',
    'stranger',
    `/Patient/${id}`,
    { method: 'DELETE' },
    {
      action: 'D',
      outcome: '4',
      status: 404,
      entity: () => id,
    },
  );
  await call(
    'delete',
    'admin',
    `/Patient/${other}`,
    { method: 'DELETE' },
    { action: 'D', outcome: '0', status: 204, entity: () => other },
  );
  await call(
    'read after delete',
    'admin',
    `/Patient/${other}`,
    {},
    { action: 'R', outcome: '4', status: 410, entity: () => other },
  );

  // A record whose payload does not decrypt: a server fault, outcome 8.
  const source = await getRecordItem(`${org}#Patient#${id}`, 'v#0000000001');
  await setRecordAttribute(`${org}#Patient#${id}`, 'v#0000000002', 'payload', source?.payload);
  await call(
    'vread of a corrupted version',
    'admin',
    `/Patient/${id}/_history/2`,
    {},
    {
      action: 'R',
      outcome: '8',
      status: 500,
      entity: () => id,
    },
  );
});

/** The AuditEvent extension that carries the request id (the contract, spelled out rather than imported). */
const REQUEST_ID_EXTENSION = 'https://fhir-records.dev/StructureDefinition/request-id';

const requestIdOf = (event: unknown): unknown => {
  const extensions = field(event, 'extension');
  if (!Array.isArray(extensions)) return undefined;
  return field(
    extensions.find((extension) => field(extension, 'url') === REQUEST_ID_EXTENSION),
    'valueString',
  );
};

describe('audit completeness', () => {
  it('every request leaves exactly one AuditEvent with its action, outcome, agent and patient', async () => {
    const events = await orgAuditEvents(org);
    expect(expected.length).toBeGreaterThan(30);
    for (const want of expected) {
      const matching = events.filter(({ event }) => requestIdOf(event) === want.requestId);
      expect(matching, want.label).toHaveLength(1);
      const event = matching[0]?.event;
      expect(
        {
          action: field(event, 'action'),
          outcome: field(event, 'outcome'),
          sub: field(event, 'agent', 0, 'who', 'identifier', 'value'),
          breakGlass: field(event, 'purposeOfEvent', 0, 'coding', 0, 'code') === 'BTG',
        },
        want.label,
      ).toEqual({
        action: want.action,
        outcome: want.outcome,
        sub: want.sub,
        breakGlass: want.breakGlass ?? false,
      });
      expect(matching[0]?.item.action, want.label).toBe(want.action);
      expect(matching[0]?.item.outcome, want.label).toBe(want.outcome);
      if (want.entity) {
        const entities = field(event, 'entity');
        const references = Array.isArray(entities)
          ? entities.map((entity) => field(entity, 'what', 'reference'))
          : [];
        expect(references, want.label).toContain(`Patient/${want.entity}`);
      }
    }
    // And nothing else: no request of this organization left a second or stray event.
    expect(events).toHaveLength(expected.length);
  });

  it('no AuditEvent contains PHI', async () => {
    const events = await orgAuditEvents(org);
    expect(events.length).toBe(expected.length);
    for (const { item } of events) {
      const text = itemText(item).toLowerCase();
      for (const secret of phiStrings(phi)) expect(text.includes(secret.toLowerCase()), secret).toBe(false);
    }
  });
});
