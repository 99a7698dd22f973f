import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, field, token } from '../support/api.ts';
import { newOrg } from '../support/patients.ts';
import {
  assertionFor,
  type BackendKeys,
  backendKeys,
  cli,
  JWT_BEARER,
  post,
  REDIRECT_URI,
  registerClient,
} from '../support/smart.ts';

const org = newOrg();
const SCOPE = 'system/Patient.rs system/AuditEvent.rs';
let keys: BackendKeys & { file: string };
let clientId: string;

beforeAll(async () => {
  const generated = await backendKeys('ES384');
  keys = generated;
  clientId = registerClient([
    '--name',
    'Analytics service',
    '--jwks',
    generated.file,
    '--org',
    org,
    '--role',
    'admin',
    '--scopes',
    SCOPE,
  ]);
});

const tokenRequest = (assertion: string, scope = 'system/Patient.rs') =>
  post('/auth/token', {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: JWT_BEARER,
    client_assertion: assertion,
  });

describe('SMART Backend Services (client_credentials with private_key_jwt)', () => {
  it('gives a valid ES384 assertion a short-lived system/ token', async () => {
    const answer = await tokenRequest(await assertionFor(keys, clientId));
    expect(answer.status, answer.text).toBe(200);
    expect(answer.json).toMatchObject({ token_type: 'Bearer', scope: 'system/Patient.rs' });
    expect(Number(field(answer.json, 'expires_in'))).toBeLessThanOrEqual(300);
    expect(answer.json).not.toHaveProperty('refresh_token');
    const claims = decodeJwt(String(field(answer.json, 'access_token')));
    expect(claims).toMatchObject({ token_use: 'access', client_id: clientId, sub: clientId, aud: baseUrl() });

    const introspected = await post('/auth/introspect', {
      token: String(field(answer.json, 'access_token')),
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertionFor(keys, clientId),
    });
    expect(introspected.json).toMatchObject({
      active: true,
      client_id: clientId,
      scope: 'system/Patient.rs',
    });
  });

  it('takes an RS384 key as well', async () => {
    const rsa = await backendKeys('RS384');
    const rsaClient = registerClient([
      '--name',
      'RSA service',
      '--jwks',
      rsa.file,
      '--org',
      org,
      '--role',
      'admin',
      '--scopes',
      'system/*.rs',
    ]);
    const answer = await tokenRequest(await assertionFor(rsa, rsaClient));
    expect(answer.status, answer.text).toBe(200);
  });

  it('answers 401 invalid_client to an assertion signed with another key', async () => {
    const other = await backendKeys('ES384');
    const forged = await other.sign({ iss: clientId, sub: clientId, aud: `${baseUrl()}/auth/token` }, {});
    const answer = await tokenRequest(forged);
    expect(answer.status).toBe(401);
    expect(field(answer.json, 'error')).toBe('invalid_client');
  });

  it('answers 401 to a replayed assertion (same jti)', async () => {
    const assertion = await assertionFor(keys, clientId);
    expect((await tokenRequest(assertion)).status).toBe(200);
    const replay = await tokenRequest(assertion);
    expect(replay.status).toBe(401);
    expect(field(replay.json, 'error')).toBe('invalid_client');
  });

  it('refuses an assertion that lives longer than five minutes', async () => {
    const answer = await tokenRequest(await assertionFor(keys, clientId, { lifetimeSeconds: 10 * 60 }));
    expect(answer.status).toBe(401);
    expect(field(answer.json, 'error')).toBe('invalid_client');
  });

  it('refuses an assertion for another audience, and an expired one', async () => {
    const wrongAudience = await keys.sign({
      iss: clientId,
      sub: clientId,
      aud: 'https://elsewhere.example.test/token',
    });
    expect((await tokenRequest(wrongAudience)).status).toBe(401);
    const expired = await assertionFor(keys, clientId, { lifetimeSeconds: -60 });
    expect((await tokenRequest(expired)).status).toBe(401);
  });

  it('grants system/ scopes only, and only registered ones', async () => {
    for (const scope of ['patient/Patient.rs', 'system/Appointment.rs', 'system/Patient.cruds', '']) {
      const answer = await tokenRequest(await assertionFor(keys, clientId), scope);
      expect(answer.status, scope).toBe(400);
      expect(field(answer.json, 'error'), scope).toBe('invalid_scope');
    }
  });

  it('does not let a public client use client_credentials', async () => {
    const app = registerClient([
      '--name',
      'App',
      '--redirect-uri',
      REDIRECT_URI,
      '--public',
      '--scopes',
      'patient/*.rs',
    ]);
    const answer = await post('/auth/token', {
      grant_type: 'client_credentials',
      scope: 'system/*.rs',
      client_id: app,
    });
    expect(answer.status).toBe(400);
    expect(field(answer.json, 'error')).toBe('unauthorized_client');
  });

  it('lets the backend revoke its token, which the API then refuses', async () => {
    const answer = await tokenRequest(await assertionFor(keys, clientId));
    const accessToken = String(field(answer.json, 'access_token'));
    expect((await api('/Patient', { token: accessToken })).status).toBe(200);
    const revoked = await post('/auth/revoke', {
      token: accessToken,
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertionFor(keys, clientId),
    });
    expect(revoked.status).toBe(200);
    expect((await api('/Patient', { token: accessToken })).status).toBe(401);
  });
});

describe('a backend service on the API', () => {
  let patientId = '';
  let otherOrgPatient = '';

  beforeAll(async () => {
    const admin = await token({ role: 'admin', org, sub: `backend-admin-${org}` });
    const created = await api('/Patient', {
      token: admin,
      body: { resourceType: 'Patient', gender: 'female', name: [{ family: 'Batch', given: ['Bea'] }] },
    });
    expect(created.status, created.text).toBe(201);
    patientId = String(field(created.json, 'id'));
    const elsewhere = newOrg();
    const otherAdmin = await token({ role: 'admin', org: elsewhere, sub: `backend-admin-${elsewhere}` });
    const other = await api('/Patient', {
      token: otherAdmin,
      body: { resourceType: 'Patient', name: [{ family: 'Elsewhere' }] },
    });
    otherOrgPatient = String(field(other.json, 'id'));
  });

  const backendToken = async (scope: string): Promise<string> => {
    const answer = await tokenRequest(await assertionFor(keys, clientId), scope);
    expect(answer.status, answer.text).toBe(200);
    return String(field(answer.json, 'access_token'));
  };

  it('reads and searches its organization’s records with system/Patient.rs, and nothing its scopes leave out', async () => {
    const bearer = await backendToken('system/Patient.rs');
    expect((await api(`/Patient/${patientId}`, { token: bearer })).status).toBe(200);
    const search = await api('/Patient?gender=female&_count=50', { token: bearer });
    expect(search.status, search.text).toBe(200);
    expect(search.text).toContain(patientId);
    const write = await api('/Patient', { token: bearer, body: { resourceType: 'Patient' } });
    expect(write.status).toBe(403);
    expect(write.text).toContain('system/Patient.c');
    const appointments = await api(`/Appointment?patient=${patientId}`, { token: bearer });
    expect(appointments.status).toBe(403);
    expect(appointments.text).toContain('system/Appointment.s');
  });

  it('stays in its organization: another organization’s patient is not known', async () => {
    const bearer = await backendToken('system/Patient.rs');
    expect((await api(`/Patient/${otherOrgPatient}`, { token: bearer })).status).toBe(404);
  });

  it('is bounded by its role: a compliance service with system/*.rs reads the access log, never a record', async () => {
    const compliance = await backendKeys('ES384');
    const reviewer = registerClient([
      '--name',
      'Access review',
      '--jwks',
      compliance.file,
      '--org',
      org,
      '--role',
      'compliance',
      '--scopes',
      'system/*.rs',
    ]);
    const answer = await tokenRequest(await assertionFor(compliance, reviewer), 'system/*.rs');
    expect(answer.status, answer.text).toBe(200);
    const bearer = String(field(answer.json, 'access_token'));
    const log = await api(`/AuditEvent?patient=${patientId}`, { token: bearer });
    expect(log.status, log.text).toBe(200);
    expect(field(log.json, 'resourceType')).toBe('Bundle');
    expect([403, 404]).toContain((await api(`/Patient/${patientId}`, { token: bearer })).status);
  });

  it('is refused registration without the organization and role it acts with', () => {
    const run = cli('smart-client.ts', ['--name', 'No org', '--jwks', keys.file, '--scopes', 'system/*.rs']);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('--org');
    const clinician = cli('smart-client.ts', [
      '--name',
      'Clinician bot',
      '--jwks',
      keys.file,
      '--org',
      org,
      '--role',
      'clinician',
      '--scopes',
      'system/*.rs',
    ]);
    expect(clinician.status).toBe(2);
    expect(clinician.stderr).toContain('--role must be one of admin, compliance');
  });
});
