import { generateKeyPairSync, randomUUID, sign as rsaSign } from 'node:crypto';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { createLocalJWKSet, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendTokenClaims, signJwt } from '../../../shared/auth/backend-services.ts';
import { proxyEvent } from '../../../shared/http/proxy-event.ts';
import {
  answerIntrospect,
  answerRevoke,
  type TokenStateEndpoint,
} from '../../../shared/http/smart-introspection.ts';

const POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test';
const BASE = 'https://api.example.com';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const pool = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokenKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

let clientKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let endpoint: TokenStateEndpoint;
const revoked: string[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair('ES384', { extractable: true });
  clientKey = pair.privateKey;
  const used = new Set<string>();
  endpoint = {
    url: `${BASE}/auth/token`,
    clients: [
      {
        clientId: 'analytics',
        jwks: { keys: [{ kty: 'EC', ...(await exportJWK(pair.publicKey)), kid: 'a-1', alg: 'ES384' }] },
        scopes: 'system/*.rs',
        org: 'org-a',
        role: 'admin',
      },
    ],
    keysOf: (client) => createLocalJWKSet({ keys: client.jwks?.keys ?? [] }),
    firstUse: async (clientId, jti) =>
      !used.has(`${clientId} ${jti}`) && Boolean(used.add(`${clientId} ${jti}`)),
    appClientIds: ['smart-app'],
    issuers: {
      userPool: {
        issuer: POOL,
        clientIds: ['portal', 'smart-app'],
        keys: createLocalJWKSet({
          keys: [{ ...(await exportJWK(pool.publicKey)), kid: 'p-1', alg: 'RS256' }],
        }),
      },
      backend: { issuer: BASE, key: async () => tokenKey.publicKey },
    },
    revokeAtCognito: async (form) => {
      revoked.push(form);
      return { status: 200, body: undefined };
    },
    origins: [],
    log: () => {},
  };
});

const post = (path: string, form: Record<string, string>): APIGatewayProxyEvent =>
  proxyEvent({
    method: 'POST',
    resource: path,
    path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
    sourceIp: '203.0.113.1',
    requestId: 'r-1',
    stage: 'prod',
    domainName: 'api.example.com',
  });

const appAccessToken = (clientId = 'smart-app', org = 'org-a') =>
  new SignJWT({
    token_use: 'access',
    client_id: clientId,
    scope: 'patient/*.rs',
    patient: 'p-1',
    'custom:org': org,
  })
    .setProtectedHeader({ alg: 'RS256', kid: 'p-1' })
    .setIssuer(POOL)
    .setSubject('user-1')
    .setIssuedAt()
    .setExpirationTime('15m')
    .sign(pool.privateKey);

const backendToken = (org = 'org-a') =>
  signJwt(
    backendTokenClaims({
      issuer: BASE,
      clientId: 'analytics',
      org,
      role: 'admin',
      scope: 'system/Patient.rs',
      jti: randomUUID(),
      lifetimeSeconds: 300,
    }),
    { alg: 'RS384', kid: 't' },
    async (input) => rsaSign('sha384', input, tokenKey.privateKey),
  );

const assertion = async () =>
  new SignJWT({ iss: 'analytics', sub: 'analytics', aud: `${BASE}/auth/token` })
    .setProtectedHeader({ alg: 'ES384', kid: 'a-1' })
    .setJti(randomUUID())
    .setExpirationTime('4m')
    .sign(clientKey);

const asBackend = async () => ({ client_assertion_type: JWT_BEARER, client_assertion: await assertion() });
const json = (body: string | undefined) => JSON.parse(body || '{}') as Record<string, unknown>;

describe('introspection in AWS', () => {
  it('tells an app about its own token, and a backend service about its organization’s', async () => {
    const own = await answerIntrospect(
      post('/auth/introspect', { client_id: 'smart-app', token: await appAccessToken() }),
      endpoint,
    );
    expect(json(own.body)).toMatchObject({
      active: true,
      client_id: 'smart-app',
      sub: 'user-1',
      scope: 'patient/*.rs',
      patient: 'p-1',
    });
    const backend = await answerIntrospect(
      post('/auth/introspect', { ...(await asBackend()), token: await backendToken() }),
      endpoint,
    );
    expect(json(backend.body)).toMatchObject({
      active: true,
      client_id: 'analytics',
      scope: 'system/Patient.rs',
    });
  });

  it('answers {"active": false} for another client’s or organization’s token, and for a forged one', async () => {
    const answers = [
      await answerIntrospect(
        post('/auth/introspect', { client_id: 'smart-app', token: await appAccessToken('portal') }),
        endpoint,
      ),
      await answerIntrospect(
        post('/auth/introspect', { ...(await asBackend()), token: await backendToken('org-b') }),
        endpoint,
      ),
      await answerIntrospect(
        post('/auth/introspect', { client_id: 'smart-app', token: 'forged.jwt.value' }),
        endpoint,
      ),
    ];
    for (const answer of answers) expect(json(answer.body)).toEqual({ active: false });
  });

  it('refuses an unauthenticated caller with 401 invalid_client', async () => {
    const token = await appAccessToken();
    const forms: Record<string, string>[] = [
      { token },
      { client_id: 'stranger', token },
      { client_assertion_type: JWT_BEARER, client_assertion: 'x', token },
    ];
    for (const form of forms) {
      const answer = await answerIntrospect(post('/auth/introspect', form), endpoint);
      expect([answer.statusCode, json(answer.body).error]).toEqual([401, 'invalid_client']);
    }
  });
});

describe('revocation in AWS', () => {
  it('hands an app’s refresh token to Cognito, and refuses a backend token as not revocable', async () => {
    const form = { client_id: 'smart-app', token: 'opaque-refresh-token', token_type_hint: 'refresh_token' };
    const answer = await answerRevoke(post('/auth/revoke', form), endpoint);
    expect(answer.statusCode).toBe(200);
    expect(revoked.at(-1)).toBe(new URLSearchParams(form).toString());
    const backend = await answerRevoke(
      post('/auth/revoke', { ...(await asBackend()), token: await backendToken() }),
      endpoint,
    );
    expect([backend.statusCode, json(backend.body).error]).toEqual([400, 'unsupported_token_type']);
  });
});
