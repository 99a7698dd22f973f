import { generateKeyPairSync, randomUUID, sign as rsaSign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackendClient } from '../../../shared/config.ts';
import { proxyEvent } from '../../../shared/http/proxy-event.ts';
import { answerToken, postToManagedLogin, type TokenEndpoint } from '../../../shared/http/smart-token.ts';

const BASE = 'https://api.example.com';
const TOKEN_URL = `${BASE}/auth/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const tokenKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

let clientKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let endpoint: TokenEndpoint;
let forwarded: string[];
const used = new Set<string>();
const logged: Record<string, string | number>[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  clientKey = pair.privateKey;
  const client: BackendClient = {
    clientId: 'analytics',
    jwks: { keys: [{ kty: 'EC', ...(await exportJWK(pair.publicKey)), kid: 'a-1', alg: 'ES384' }] },
    scopes: 'system/Patient.rs system/Appointment.rs',
    org: 'org-a',
    role: 'admin',
  };
  forwarded = [];
  endpoint = {
    issuer: BASE,
    url: TOKEN_URL,
    clients: [client],
    keysOf: (registered) => createLocalJWKSet({ keys: registered.jwks?.keys ?? [] }),
    firstUse: async (clientId, jti) => {
      const key = `${clientId} ${jti}`;
      if (used.has(key)) return false;
      used.add(key);
      return true;
    },
    // RS384 with the token key, as KMS signs it (shared/crypto/token-key.ts is tested with KMS's shape).
    sign: async (input) => rsaSign('sha384', input, tokenKey.privateKey),
    keyId: 'token-1',
    forward: async (form) => {
      forwarded.push(form);
      const access = await new SignJWT({
        scope: 'openid smart/fhirUser launch/patient patient/*.rs',
        patient: 'p-1',
      })
        .setProtectedHeader({ alg: 'RS256' })
        .sign(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      return {
        status: 200,
        body: { access_token: access, id_token: 'x', token_type: 'Bearer', expires_in: 3600 },
      };
    },
    origins: ['https://app.example.com'],
    log: (line) => logged.push(line),
  };
});

const assertion = (claims: Record<string, unknown> = {}, lifetime = 240) =>
  new SignJWT({ iss: 'analytics', sub: 'analytics', aud: TOKEN_URL, ...claims })
    .setProtectedHeader({ alg: 'ES384', kid: 'a-1' })
    .setJti(randomUUID())
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
    .sign(clientKey);

function post(form: Record<string, string>, headers: Record<string, string> = {}): APIGatewayProxyEvent {
  return proxyEvent({
    method: 'POST',
    resource: '/auth/token',
    path: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
    sourceIp: '203.0.113.1',
    requestId: 'r-1',
    stage: 'prod',
    domainName: 'api.example.com',
  });
}

const backendForm = async (scope = 'system/Patient.rs', claims: Record<string, unknown> = {}) => ({
  grant_type: 'client_credentials',
  client_assertion_type: JWT_BEARER,
  client_assertion: await assertion(claims),
  scope,
});

const json = (body: string | undefined) => JSON.parse(body ?? '{}') as Record<string, unknown>;

describe('the token function, client_credentials', () => {
  it('gives a registered backend service an RS384 system/ token the authorizer’s checks accept', async () => {
    const answer = await answerToken(
      post(await backendForm('system/Patient.rs system/Appointment.rs')),
      endpoint,
    );
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.headers?.['Cache-Control']).toBe('no-store');
    const body = json(answer.body);
    expect(body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 300,
      scope: 'system/Patient.rs system/Appointment.rs',
    });
    const { payload, protectedHeader } = await jwtVerify(String(body.access_token), tokenKey.publicKey, {
      issuer: BASE,
      audience: BASE,
      algorithms: ['RS384'],
    });
    expect(protectedHeader.kid).toBe('token-1');
    expect(payload).toMatchObject({
      sub: 'analytics',
      client_id: 'analytics',
      'cognito:groups': ['admin'],
      'custom:org': 'org-a',
      token_use: 'access',
    });
  });

  it('answers 401 invalid_client to a replayed, a forged, a too-long-lived and an unregistered assertion', async () => {
    const form = await backendForm();
    expect((await answerToken(post(form), endpoint)).statusCode).toBe(200);
    const replay = await answerToken(post(form), endpoint);
    expect([replay.statusCode, json(replay.body).error]).toEqual([401, 'invalid_client']);
    // One log line per call, with the grant and outcome, and nothing of the assertion.
    expect(logged.at(-1)).toEqual({
      endpoint: 'POST /auth/token',
      grantType: 'client_credentials',
      status: 401,
      error: 'invalid_client',
    });
    expect(JSON.stringify(logged)).not.toContain(form.client_assertion);
    expect(json(replay.body).error_description).toContain('jti');

    const forger = await generateKeyPair('ES384');
    const forged = await new SignJWT({ iss: 'analytics', sub: 'analytics', aud: TOKEN_URL })
      .setProtectedHeader({ alg: 'ES384', kid: 'a-1' })
      .setJti(randomUUID())
      .setExpirationTime('4m')
      .sign(forger.privateKey);
    const long = await assertion({}, 3600);
    const stranger = await assertion({ iss: 'stranger', sub: 'stranger' });
    const otherAudience = await assertion({ aud: `${BASE}/other` });
    for (const client_assertion of [forged, long, stranger, otherAudience, 'not-a-jwt']) {
      const answer = await answerToken(post({ ...form, client_assertion }), endpoint);
      expect([answer.statusCode, json(answer.body).error], client_assertion.slice(0, 20)).toEqual([
        401,
        'invalid_client',
      ]);
    }
  });

  it('refuses scopes it may not grant, another assertion type and another grant, with RFC 6749 errors', async () => {
    const wider = await answerToken(post(await backendForm('system/AuditEvent.rs')), endpoint);
    expect([wider.statusCode, json(wider.body).error]).toEqual([400, 'invalid_scope']);
    const user = await answerToken(post(await backendForm('patient/Patient.rs')), endpoint);
    expect([user.statusCode, json(user.body).error]).toEqual([400, 'invalid_scope']);
    const secret = await answerToken(
      post({ grant_type: 'client_credentials', client_id: 'analytics', client_secret: 's' }),
      endpoint,
    );
    expect([secret.statusCode, json(secret.body).error]).toEqual([401, 'invalid_client']);
    const password = await answerToken(post({ grant_type: 'password', username: 'u' }), endpoint);
    expect([password.statusCode, json(password.body).error]).toEqual([400, 'unsupported_grant_type']);
    const notForm = await answerToken(
      post(await backendForm(), { 'content-type': 'application/json' }),
      endpoint,
    );
    expect([notForm.statusCode, json(notForm.body).error]).toEqual([400, 'invalid_request']);
  });
});

describe('the token function, the apps’ grants', () => {
  it('hands a code exchange to the managed login as it came, and answers with SMART’s scope and patient', async () => {
    const form = {
      grant_type: 'authorization_code',
      code: 'c-1',
      client_id: 'app',
      code_verifier: 'v'.repeat(43),
      redirect_uri: 'https://app.example.com/cb',
    };
    const answer = await answerToken(post(form, { origin: 'https://app.example.com' }), endpoint);
    expect(answer.statusCode).toBe(200);
    expect(forwarded.at(-1)).toBe(new URLSearchParams(form).toString());
    expect(json(answer.body)).toMatchObject({
      scope: 'openid fhirUser launch/patient patient/*.rs',
      patient: 'p-1',
      id_token: 'x',
    });
    expect(answer.headers?.['Access-Control-Allow-Origin']).toBe('https://app.example.com');
    const elsewhere = await answerToken(post(form, { origin: 'https://evil.example' }), endpoint);
    expect(elsewhere.headers?.['Access-Control-Allow-Origin']).toBeUndefined();
  });
});

describe('the managed login behind it', () => {
  it('answers 503 temporarily_unavailable when Cognito answers something other than JSON, or nothing', async () => {
    const server = createServer((_request, response) =>
      response.writeHead(502).end('<html>bad gateway</html>'),
    );
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    const { port } = server.address() as AddressInfo;
    try {
      const down = {
        ...endpoint,
        forward: (form: string) => postToManagedLogin(`http://127.0.0.1:${port}/oauth2/token`, form),
      };
      const form = { grant_type: 'refresh_token', refresh_token: 'r', client_id: 'app' };
      const answer = await answerToken(post(form), down);
      expect([answer.statusCode, json(answer.body).error]).toEqual([503, 'temporarily_unavailable']);
    } finally {
      await new Promise((closed) => server.close(closed));
    }
    const closed = {
      ...endpoint,
      forward: (form: string) => postToManagedLogin(`http://127.0.0.1:${port}/oauth2/token`, form),
    };
    const answer = await answerToken(
      post({ grant_type: 'refresh_token', refresh_token: 'r', client_id: 'app' }),
      closed,
    );
    expect([answer.statusCode, json(answer.body).error]).toEqual([503, 'temporarily_unavailable']);
  });
});
