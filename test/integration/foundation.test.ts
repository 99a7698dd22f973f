import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { issuerOf, LOCAL_AUDIENCE, mintToken } from '../../infra/local/issuer.ts';
import { ensureLocalKeyMaterial, readLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { routeEntries } from '../../shared/routes.ts';
import { api, dataDir, field, token } from '../support/api.ts';

const org = `org-${randomUUID().slice(0, 8)}`;
const admin = () => token({ role: 'admin', org, sub: 'admin-1' });

const outcomeCode = (body: unknown): unknown => field(body, 'issue', 0, 'code');

describe('the conformance endpoints', () => {
  it('serves a CapabilityStatement generated from the route table, without a token', async () => {
    const response = await api('/metadata');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/fhir+json');
    expect(field(response.json, 'resourceType')).toBe('CapabilityStatement');
    expect(field(response.json, 'fhirVersion')).toBe('4.0.1');

    const expected = new Map<string, Set<string>>();
    for (const [, def] of routeEntries()) {
      if (!def.resourceType) continue;
      const interactions = expected.get(def.resourceType) ?? new Set();
      if (!['operation', 'system', 'capabilities'].includes(def.interaction))
        interactions.add(def.interaction);
      expected.set(def.resourceType, interactions);
    }
    const served = new Map<string, Set<string>>();
    const resources = field(response.json, 'rest', 0, 'resource');
    expect(Array.isArray(resources)).toBe(true);
    for (const resource of Array.isArray(resources) ? resources : []) {
      const interactions = field(resource, 'interaction');
      const codes = (Array.isArray(interactions) ? interactions : []).map((i) => String(field(i, 'code')));
      served.set(String(field(resource, 'type')), new Set(codes));
    }
    expect(served).toEqual(expected);
  });

  it('answers /health with 200', async () => {
    const response = await api('/health');
    expect(response.status).toBe(200);
    expect(field(response.json, 'status')).toBe('ok');
  });

  it('puts security headers and a request id on successes and errors alike', async () => {
    for (const response of [await api('/metadata'), await api('/nowhere'), await api('/Patient')]) {
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('routing', () => {
  it('answers an unknown path with a 404 OperationOutcome', async () => {
    const response = await api('/Nothing/here');
    expect(response.status).toBe(404);
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
    expect(outcomeCode(response.json)).toBe('not-found');
  });

  it('answers a known path with a wrong method with 405 and the allowed methods', async () => {
    const response = await api('/metadata', { method: 'DELETE' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET');
    expect(outcomeCode(response.json)).toBe('not-supported');
  });
});

describe('query strings', () => {
  it('treats parameter names like toString, constructor and __proto__ as unknown parameters (400), not as code', async () => {
    for (const name of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const response = await api(`/Patient?${name}=1&${name}=2`, { token: await admin() });
      expect(response.status, name).toBe(400);
      expect(field(response.json, 'issue', 0, 'diagnostics')).toMatch(/unknown parameter/);
    }
  });
});

describe('CORS', () => {
  it('allows the configured portal origin and exposes the FHIR headers', async () => {
    const response = await api('/metadata', { headers: { origin: 'https://portal.example.test' } });
    expect(response.headers.get('access-control-allow-origin')).toBe('https://portal.example.test');
    expect(response.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('gives no CORS grant to any other origin', async () => {
    const response = await api('/metadata', { headers: { origin: 'https://evil.example' } });
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a preflight from the portal with the allowed methods and headers', async () => {
    const response = await api('/Patient', {
      method: 'OPTIONS',
      headers: { origin: 'https://portal.example.test', 'access-control-request-method': 'PUT' },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-methods')).toContain('PUT');
    expect(response.headers.get('access-control-allow-headers')).toContain('If-Match');
  });
});

describe('authentication at the gateway', () => {
  const keyDir = () => join(dataDir(), 'keys');

  async function signed(
    claims: Record<string, unknown>,
    options: { alg?: string; key?: 'own' | 'hmac-public' } = {},
  ) {
    const { issuerPrivateJwk, issuerPublicJwk } = readLocalKeyMaterial(keyDir());
    const jwt = new SignJWT({
      sub: 'admin-1',
      iss: issuerOf(issuerPrivateJwk.kid),
      aud: LOCAL_AUDIENCE,
      iat: Math.floor(Date.now() / 1000),
      'cognito:groups': ['admin'],
      'custom:org': org,
      token_use: 'id',
      ...claims,
    }).setProtectedHeader({ alg: options.alg ?? 'ES256', kid: issuerPrivateJwk.kid });
    if (options.key === 'hmac-public') {
      return jwt.setExpirationTime('5m').sign(new TextEncoder().encode(JSON.stringify(issuerPublicJwk)));
    }
    return jwt.sign(await importJWK(issuerPrivateJwk, 'ES256'));
  }

  const cases: [string, () => Promise<string | undefined>][] = [
    ['no token', async () => undefined],
    ['a token that is not a JWT', async () => 'not-a-jwt'],
    ['an expired token', () => mintToken(keyDir(), { role: 'admin', org, sub: 'admin-1', ttlSeconds: -120 })],
    ['a token without exp', () => signed({})],
    [
      'a token not yet valid',
      () => signed({ nbf: Math.floor(Date.now() / 1000) + 3600, exp: Math.floor(Date.now() / 1000) + 7200 }),
    ],
    [
      'a token for another audience',
      () => signed({ aud: 'someone-else', exp: Math.floor(Date.now() / 1000) + 300 }),
    ],
    [
      'an access token instead of an ID token',
      () => signed({ token_use: 'access', exp: Math.floor(Date.now() / 1000) + 300 }),
    ],
    ['an HS256 token signed with the public key', () => signed({}, { alg: 'HS256', key: 'hmac-public' })],
    [
      'an unsigned token (alg none)',
      async () => {
        const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
        const valid = await mintToken(keyDir(), { role: 'admin', org, sub: 'admin-1' });
        return `${header}.${valid.split('.')[1]}.`;
      },
    ],
    [
      'a token whose payload was changed after signing',
      async () => {
        const [header, payload, signature] = (
          await mintToken(keyDir(), { role: 'patient', org, sub: 'p', patientId: 'p1' })
        ).split('.');
        const claims: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
        const forged = { ...(typeof claims === 'object' ? claims : {}), 'cognito:groups': ['admin'] };
        return `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
      },
    ],
    [
      "a token of another data dir's issuer",
      async () => {
        const otherKeys = mkdtempSync(join(tmpdir(), 'other-issuer-'));
        ensureLocalKeyMaterial(otherKeys);
        return mintToken(otherKeys, { role: 'admin', org, sub: 'admin-1' });
      },
    ],
  ];

  for (const [name, make] of cases) {
    it(`refuses ${name} with 401 and an OperationOutcome`, async () => {
      const bearer = await make();
      const response = await api('/Patient', bearer ? { token: bearer } : {});
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
      expect(outcomeCode(response.json)).toBe('login');
    });
  }

  it("accepts a token from npm run token's issuer", async () => {
    const response = await api('/Patient', { token: await admin() });
    expect(response.status).toBe(200);
  });

  it('answers 403 to a signed-in user whose token carries no known role', async () => {
    const response = await api('/Patient', {
      token: await signed({ 'cognito:groups': ['visitor'], exp: Math.floor(Date.now() / 1000) + 300 }),
    });
    expect(response.status).toBe(403);
    expect(outcomeCode(response.json)).toBe('forbidden');
  });

  it('answers 403 to a role the route table does not admit', async () => {
    const response = await api('/Patient', { token: await token({ role: 'compliance', org, sub: 'c-1' }) });
    expect(response.status).toBe(403);
  });
});

describe('request bodies', () => {
  const patient = { resourceType: 'Patient', name: [{ family: 'Foundation' }] };

  it('refuses malformed JSON with 400', async () => {
    const response = await api('/Patient', {
      method: 'POST',
      token: await admin(),
      rawBody: '{"resourceType": "Patient",',
      headers: { 'content-type': 'application/fhir+json' },
    });
    expect(response.status).toBe(400);
    expect(outcomeCode(response.json)).toBe('structure');
  });

  it('refuses a content type other than FHIR JSON with 415', async () => {
    const response = await api('/Patient', {
      method: 'POST',
      token: await admin(),
      rawBody: JSON.stringify(patient),
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
  });

  it('refuses a body over the size limit with 413', async () => {
    const response = await api('/Patient', {
      method: 'POST',
      token: await admin(),
      body: { ...patient, text: { status: 'generated', div: `<div>${'x'.repeat(1_100_000)}</div>` } },
    });
    expect(response.status).toBe(413);
    expect(outcomeCode(response.json)).toBe('too-long');
  });

  it('accepts application/json as well as application/fhir+json', async () => {
    const response = await api('/Patient', {
      method: 'POST',
      token: await admin(),
      rawBody: JSON.stringify(patient),
      headers: { 'content-type': 'application/json; charset=utf-8' },
    });
    expect(response.status).toBe(201);
  });
});

describe('FHIR status codes from real requests', () => {
  it('answers 404, 410, 412, 422 and 428 where FHIR says so', async () => {
    const bearer = await admin();
    expect((await api(`/Patient/${randomUUID()}`, { token: bearer })).status).toBe(404);

    const created = await api('/Patient', {
      token: bearer,
      body: { resourceType: 'Patient', gender: 'female' },
    });
    expect(created.status).toBe(201);
    const id = String(field(created.json, 'id'));
    const body = { resourceType: 'Patient', id, gender: 'male' };

    expect((await api(`/Patient/${id}`, { method: 'PUT', token: bearer, body })).status).toBe(428);
    expect(
      (await api(`/Patient/${id}`, { method: 'PUT', token: bearer, body, headers: { 'if-match': 'W/"7"' } }))
        .status,
    ).toBe(412);
    const patch = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: bearer,
      rawBody: JSON.stringify([{ op: 'test', path: '/gender', value: 'other' }]),
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
    });
    expect(patch.status).toBe(422);
    expect((await api(`/Patient/${id}`, { method: 'DELETE', token: bearer })).status).toBe(204);
    const gone = await api(`/Patient/${id}`, { token: bearer });
    expect(gone.status).toBe(410);
    expect(outcomeCode(gone.json)).toBe('deleted');
  });
});
