import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, field } from '../support/api.ts';
import {
  assertionFor,
  type BackendKeys,
  backendKeys,
  JWT_BEARER,
  post,
  REDIRECT_URI,
  registerClient,
} from '../support/smart.ts';

const SCOPE = 'system/Patient.rs system/AuditEvent.rs';
let keys: BackendKeys;
let clientId: string;

beforeAll(async () => {
  const generated = await backendKeys('ES384');
  keys = generated;
  clientId = registerClient(['--name', 'Analytics service', '--jwks', generated.file, '--scopes', SCOPE]);
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
    // Until routes read scopes, a token without a user's claims is refused for its claims.
    expect((await api('/Patient', { token: accessToken })).status).toBe(403);
    const revoked = await post('/auth/revoke', {
      token: accessToken,
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertionFor(keys, clientId),
    });
    expect(revoked.status).toBe(200);
    expect((await api('/Patient', { token: accessToken })).status).toBe(401);
  });
});
