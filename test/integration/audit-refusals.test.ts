import { beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_EXTENSION, SYSTEM_ORG } from '../../shared/audit/trail.ts';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { tokenWithClaims } from '../support/claims.ts';
import { auditExtension, orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, testPhi } from '../support/patients.ts';

/**
 * Refusals leave their AuditEvent too: a validly signed token refused for its claims, and a
 * batch entry refused before it reached a route.
 */
const org = newOrg();
let compliance = '';
let admin = '';
let patient = '';

const requestIdOf = (event: unknown) => auditExtension(event, AUDIT_EXTENSION.requestId, 'valueString');
const statusOf = (event: unknown) => auditExtension(event, AUDIT_EXTENSION.status, 'valueInteger');
const roleCodes = (event: unknown): unknown[] => {
  const roles = field(event, 'agent', 0, 'role');
  return Array.isArray(roles) ? roles.map((role) => field(role, 'coding', 0, 'code')) : [];
};
const resources = (response: ApiResponse): unknown[] => {
  const list = field(response.json, 'entry');
  return Array.isArray(list) ? list.map((entry) => field(entry, 'resource')) : [];
};

/** The AuditEvents compliance staff of the organization find for one user. */
async function eventsOfAgent(sub: string): Promise<unknown[]> {
  const response = await api(`/AuditEvent?agent=${sub}&_count=100`, { token: compliance });
  expect(response.status, response.text).toBe(200);
  return resources(response);
}

beforeAll(async () => {
  compliance = await token({ role: 'compliance', org, sub: 'ref-compliance' });
  admin = await token({ role: 'admin', org, sub: 'ref-admin' });
  patient = await createPatient(admin, phiPatient(testPhi()));
});

describe('a validly signed token refused for its claims', () => {
  it.each([
    [
      'belongs to two role groups',
      'ref-two-roles',
      { 'cognito:groups': ['admin', 'clinician'] },
      ['admin', 'clinician'],
    ],
    ['belongs to no known group', 'ref-no-role', { 'cognito:groups': ['visitor'] }, []],
    [
      'is a patient user not linked to a patient',
      'ref-unlinked',
      { 'cognito:groups': ['patient'] },
      ['patient'],
    ],
  ])(
    'that %s answers 403 and leaves a refusal AuditEvent its organization’s compliance staff find',
    async (_case, sub, claims, roles) => {
      const bearer = await tokenWithClaims(sub, { ...claims, 'custom:org': org });
      const response = await api(`/Patient/${patient}`, { token: bearer });
      expect(response.status).toBe(403);
      const found = await eventsOfAgent(sub);
      expect(found).toHaveLength(1);
      const [event] = found;
      expect(field(event, 'outcome')).toBe('4');
      expect(field(event, 'action')).toBe('R');
      expect(statusOf(event)).toBe(403);
      expect(field(event, 'source', 'site')).toBe(org);
      expect(requestIdOf(event)).toBe(response.headers.get('x-request-id'));
      expect(roleCodes(event)).toEqual(roles);
      expect(String(field(event, 'outcomeDesc'))).toMatch(/group|patientId/);
    },
  );

  it('without an organization claim is filed under the system partition, out of every organization’s reach', async () => {
    const sub = 'ref-no-org';
    const bearer = await tokenWithClaims(sub, { 'cognito:groups': ['admin'] });
    const response = await api(`/Patient/${patient}`, { token: bearer });
    expect(response.status).toBe(403);
    const filed = (await orgAuditEvents(SYSTEM_ORG)).filter(
      ({ event }) => requestIdOf(event) === response.headers.get('x-request-id'),
    );
    expect(filed).toHaveLength(1);
    expect(filed[0]?.item.agentPk).toBe(`${SYSTEM_ORG}#${sub}`);
    expect(field(filed[0]?.event, 'outcome')).toBe('4');
    expect(field(filed[0]?.event, 'agent', 0, 'who', 'identifier', 'value')).toBe(sub);
    expect(await eventsOfAgent(sub)).toEqual([]);
  });

  it('with a malformed organization claim is filed under the system partition as well', async () => {
    const bearer = await tokenWithClaims('ref-bad-org', {
      'cognito:groups': ['admin'],
      'custom:org': 'a/b#c',
    });
    const response = await api(`/Patient/${patient}`, { token: bearer });
    expect(response.status).toBe(403);
    const filed = (await orgAuditEvents(SYSTEM_ORG)).filter(
      ({ event }) => requestIdOf(event) === response.headers.get('x-request-id'),
    );
    expect(filed).toHaveLength(1);
    expect(field(filed[0]?.event, 'source', 'site')).toBe(SYSTEM_ORG);
  });
});

describe('a batch entry refused before it reached a route', () => {
  it('leaves one AuditEvent per refused entry, numbered like the entries the routes audit', async () => {
    const sub = 'ref-batcher';
    const bearer = await token({ role: 'admin', org, sub });
    const batch = await api('/', {
      token: bearer,
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'GET', url: 'NoSuchType/1' } },
          { request: { method: 'GET', url: `Patient/${patient}` } },
          { request: { method: 'DELETE', url: 'Patient' } },
          { request: { method: 'GET', url: 'https://elsewhere.example/Patient' } },
          { request: { method: 'POST', url: '/' } },
        ],
      },
    });
    expect(batch.status, batch.text).toBe(200);
    const statuses = (field(batch.json, 'entry') as unknown[]).map((entry) =>
      Number.parseInt(String(field(entry, 'response', 'status')), 10),
    );
    expect(statuses).toEqual([404, 200, 405, 400, 400]);
    const batchId = String(batch.headers.get('x-request-id'));
    const events = await eventsOfAgent(sub);
    const byRequest = new Map(events.map((event) => [String(requestIdOf(event)), event]));
    // The batch itself, the routed read, and the four refusals.
    expect(events).toHaveLength(6);
    for (const [at, status] of [
      [1, 404],
      [3, 405],
      [4, 400],
      [5, 400],
    ] as const) {
      const event = byRequest.get(`${batchId}-${at}`);
      expect(event, `entry ${at}`).toBeDefined();
      expect(field(event, 'outcome')).toBe('4');
      expect(statusOf(event)).toBe(status);
      expect(field(event, 'subtype', 0, 'code')).toBe('batch');
    }
    expect(field(byRequest.get(`${batchId}-2`), 'subtype', 0, 'code')).toBe('read');
    expect(byRequest.get(batchId)).toBeDefined();
  });
});
