import { randomUUID } from 'node:crypto';
import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, field, token } from '../support/api.ts';
import { newOrg } from '../support/patients.ts';
import {
  addUser,
  allow,
  authorizeParameters,
  cli,
  pkce,
  post,
  REDIRECT_URI,
  registerClient,
} from '../support/smart.ts';

const org = newOrg();
const SCOPE = 'launch/patient openid fhirUser offline_access patient/*.rs';
let clientId: string;
let patientId: string;
let patientSub: string;

beforeAll(async () => {
  const admin = await token({ role: 'admin', org, sub: `admin-${org}` });
  const created = await api('/Patient', {
    token: admin,
    body: { resourceType: 'Patient', name: [{ family: 'Launch', given: ['Smart'] }] },
  });
  expect(created.status).toBe(201);
  patientId = String(field(created.json, 'id'));
  patientSub = `patient-${org}`;
  addUser(['--role', 'patient', '--org', org, '--sub', patientSub, '--patient', patientId]);
  clientId = registerClient([
    '--name',
    'Telemedicine app',
    '--redirect-uri',
    REDIRECT_URI,
    '--public',
    '--scopes',
    `${SCOPE} patient/Observation.rs?category=vital-signs`,
  ]);
});

/** Through the authorize page and the token endpoint, as a public app with PKCE. */
async function launch(scope = SCOPE) {
  const { verifier, challenge } = pkce();
  const state = randomUUID();
  const redirect = await allow({ clientId, user: patientSub, scope, challenge, state });
  const code = redirect.searchParams.get('code') ?? '';
  const answer = await post('/auth/token', {
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
    client_id: clientId,
  });
  return { redirect, state, code, verifier, answer };
}

describe('SMART discovery', () => {
  it('answers /.well-known/smart-configuration without a token, with every endpoint and capability', async () => {
    const answer = await api('/.well-known/smart-configuration');
    expect(answer.status).toBe(200);
    const base = baseUrl();
    expect(answer.json).toMatchObject({
      issuer: base,
      jwks_uri: `${base}/auth/jwks`,
      authorization_endpoint: `${base}/auth/authorize`,
      token_endpoint: `${base}/auth/token`,
      introspection_endpoint: `${base}/auth/introspect`,
      revocation_endpoint: `${base}/auth/revoke`,
      code_challenge_methods_supported: ['S256'],
    });
    expect(field(answer.json, 'grant_types_supported')).toEqual(
      expect.arrayContaining(['authorization_code', 'client_credentials', 'refresh_token']),
    );
    expect(field(answer.json, 'token_endpoint_auth_methods_supported')).toEqual(
      expect.arrayContaining(['private_key_jwt', 'none']),
    );
    expect(field(answer.json, 'scopes_supported')).toEqual(
      expect.arrayContaining(['openid', 'fhirUser', 'launch/patient', 'offline_access', 'patient/*.rs']),
    );
    expect(field(answer.json, 'capabilities')).toEqual(
      expect.arrayContaining([
        'launch-standalone',
        'client-public',
        'client-confidential-asymmetric',
        'context-standalone-patient',
        'permission-v2',
        'permission-patient',
        'permission-user',
        'sso-openid-connect',
        'permission-offline',
      ]),
    );
  });

  it('publishes the issuer key at /auth/jwks, public half only', async () => {
    const answer = await api('/auth/jwks');
    expect(answer.status).toBe(200);
    const [key] = (field(answer.json, 'keys') as Record<string, unknown>[] | undefined) ?? [];
    expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(key).not.toHaveProperty('d');
  });
});

describe('the authorize page', () => {
  it('lists the data dir users in a select labelled User, preselects login_hint, and has an Allow button', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams({
      ...authorizeParameters({ clientId, user: patientSub, scope: SCOPE, challenge }),
      login_hint: patientSub,
    });
    const page = await api(`/auth/authorize?${query}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toMatch(/<label for="user">User<\/label><select id="user" name="user"/);
    expect(page.text).toContain(`<option value="${patientSub}" selected>`);
    expect(page.text).toMatch(/<button type="submit" name="decision" value="allow">Allow<\/button>/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
  });

  it('refuses an unregistered redirect_uri on the page itself, never redirecting to it', async () => {
    const { challenge } = pkce();
    const query = new URLSearchParams(
      authorizeParameters({
        clientId,
        user: patientSub,
        scope: SCOPE,
        challenge,
        redirectUri: `${REDIRECT_URI}/other`,
      }),
    );
    const page = await fetch(`${baseUrl()}/auth/authorize?${query}`, { redirect: 'manual' });
    expect(page.status).toBe(400);
    expect(page.headers.get('location')).toBeNull();
  });

  it('sends a request without PKCE, with a wrong aud or an unregistered scope back with an error and its state', async () => {
    const { challenge } = pkce();
    const cases: [Partial<Parameters<typeof authorizeParameters>[0]>, string][] = [
      [{ omit: ['code_challenge'] }, 'invalid_request'],
      [{ omit: ['code_challenge_method'] }, 'invalid_request'],
      [{ aud: 'https://other.example.test/fhir' }, 'invalid_request'],
      [{ scope: 'patient/*.cruds' }, 'invalid_scope'],
      [{ scope: 'system/*.rs' }, 'invalid_scope'],
    ];
    for (const [change, error] of cases) {
      const parameters = authorizeParameters({
        clientId,
        user: patientSub,
        scope: SCOPE,
        challenge,
        state: 'kept',
        ...change,
      });
      const answer = await fetch(`${baseUrl()}/auth/authorize?${new URLSearchParams(parameters)}`, {
        redirect: 'manual',
      });
      expect(answer.status, JSON.stringify(change)).toBe(302);
      const location = new URL(answer.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
      expect(location.searchParams.get('error'), JSON.stringify(change)).toBe(error);
      expect(location.searchParams.get('state')).toBe('kept');
    }
  });
});

describe('the standalone launch with PKCE', () => {
  it('gives a token that reads the patient’s own record, with the patient context and an ID token naming them', async () => {
    const { redirect, state, answer } = await launch();
    expect(redirect.searchParams.get('state')).toBe(state);
    expect(answer.status, answer.text).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    expect(answer.json).toMatchObject({ token_type: 'Bearer', patient: patientId, scope: SCOPE });
    expect(typeof field(answer.json, 'refresh_token')).toBe('string');
    const accessToken = String(field(answer.json, 'access_token'));
    expect(decodeJwt(accessToken)).toMatchObject({
      token_use: 'access',
      client_id: clientId,
      scope: SCOPE,
      patient: patientId,
      sub: patientSub,
      aud: baseUrl(),
      'cognito:groups': ['patient'],
      'custom:org': org,
      'custom:patientId': patientId,
    });
    expect(decodeJwt(String(field(answer.json, 'id_token')))).toMatchObject({
      aud: clientId,
      sub: patientSub,
      fhirUser: `${baseUrl()}/Patient/${patientId}`,
    });

    const read = await api(`/Patient/${patientId}`, { token: accessToken });
    expect(read.status, read.text).toBe(200);
    expect(field(read.json, 'id')).toBe(patientId);
  });

  it('never takes the ID token for a bearer token of the API', async () => {
    const { answer } = await launch();
    const read = await api(`/Patient/${patientId}`, { token: String(field(answer.json, 'id_token')) });
    expect(read.status).toBe(401);
  });

  it('grants no refresh token without offline_access, and no ID token without openid', async () => {
    const { answer } = await launch('launch/patient patient/*.rs');
    expect(answer.status).toBe(200);
    expect(answer.json).not.toHaveProperty('refresh_token');
    expect(answer.json).not.toHaveProperty('id_token');
    expect(field(answer.json, 'patient')).toBe(patientId);
  });

  it('refuses a code without the code_verifier, or with a wrong one', async () => {
    for (const verifier of [undefined, pkce().verifier]) {
      const { challenge } = pkce();
      const redirect = await allow({ clientId, user: patientSub, scope: SCOPE, challenge });
      const answer = await post('/auth/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        client_id: clientId,
        ...(verifier ? { code_verifier: verifier } : {}),
      });
      expect(answer.status).toBe(400);
      expect(field(answer.json, 'error')).toBe('invalid_grant');
    }
  });

  it('takes a code once: a second use is refused and revokes what the first one gave', async () => {
    const { code, verifier, answer } = await launch();
    expect(answer.status).toBe(200);
    const again = await post('/auth/token', {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: clientId,
    });
    expect(again.status).toBe(400);
    expect(field(again.json, 'error')).toBe('invalid_grant');
    const read = await api(`/Patient/${patientId}`, { token: String(field(answer.json, 'access_token')) });
    expect(read.status).toBe(401);
  });

  it('refuses the code at another redirect_uri, or for another client', async () => {
    const other = registerClient([
      '--name',
      'Another app',
      '--redirect-uri',
      REDIRECT_URI,
      '--public',
      '--scopes',
      SCOPE,
    ]);
    for (const change of [{ redirect_uri: `${REDIRECT_URI}?x=1` }, { client_id: other }]) {
      const { verifier, challenge } = pkce();
      const redirect = await allow({ clientId, user: patientSub, scope: SCOPE, challenge });
      const answer = await post('/auth/token', {
        grant_type: 'authorization_code',
        code: redirect.searchParams.get('code') ?? '',
        redirect_uri: REDIRECT_URI,
        code_verifier: verifier,
        client_id: clientId,
        ...change,
      });
      expect(answer.status, JSON.stringify(change)).toBe(400);
      expect(field(answer.json, 'error')).toBe('invalid_grant');
    }
  });

  it('answers an unknown client with 401 invalid_client, an unknown grant type with 400', async () => {
    const unknown = await post('/auth/token', {
      grant_type: 'authorization_code',
      code: 'x',
      client_id: 'no-such-client-0000000',
    });
    expect(unknown.status).toBe(401);
    expect(field(unknown.json, 'error')).toBe('invalid_client');
    const grant = await post('/auth/token', { grant_type: 'password', client_id: clientId });
    expect(grant.status).toBe(400);
    expect(field(grant.json, 'error')).toBe('unsupported_grant_type');
  });
});

describe('refresh, introspection and revocation', () => {
  it('rotates the refresh token: the old one is refused, and its replay ends the new one too', async () => {
    const { answer } = await launch();
    const first = String(field(answer.json, 'refresh_token'));
    const refreshed = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first,
      client_id: clientId,
    });
    expect(refreshed.status, refreshed.text).toBe(200);
    const second = String(field(refreshed.json, 'refresh_token'));
    expect(second).not.toBe(first);
    const read = await api(`/Patient/${patientId}`, { token: String(field(refreshed.json, 'access_token')) });
    expect(read.status).toBe(200);

    const replay = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: first,
      client_id: clientId,
    });
    expect(replay.status).toBe(400);
    expect(field(replay.json, 'error')).toBe('invalid_grant');
    const afterReplay = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: second,
      client_id: clientId,
    });
    expect(field(afterReplay.json, 'error')).toBe('invalid_grant');
  });

  it('introspects an active token, and after revocation answers active: false while the API answers 401', async () => {
    const { answer } = await launch();
    const accessToken = String(field(answer.json, 'access_token'));
    const active = await post('/auth/introspect', { token: accessToken, client_id: clientId });
    expect(active.status).toBe(200);
    expect(active.json).toMatchObject({
      active: true,
      scope: SCOPE,
      client_id: clientId,
      sub: patientSub,
      patient: patientId,
    });
    expect(typeof field(active.json, 'exp')).toBe('number');

    const revoked = await post('/auth/revoke', { token: accessToken, client_id: clientId });
    expect(revoked.status).toBe(200);
    const inactive = await post('/auth/introspect', { token: accessToken, client_id: clientId });
    expect(inactive.json).toEqual({ active: false });
    const read = await api(`/Patient/${patientId}`, { token: accessToken });
    expect(read.status).toBe(401);
  });

  it('revokes a refresh token, which then neither introspects as active nor refreshes', async () => {
    const { answer } = await launch();
    const refreshToken = String(field(answer.json, 'refresh_token'));
    expect(
      field((await post('/auth/introspect', { token: refreshToken, client_id: clientId })).json, 'active'),
    ).toBe(true);
    expect((await post('/auth/revoke', { token: refreshToken, client_id: clientId })).status).toBe(200);
    expect((await post('/auth/introspect', { token: refreshToken, client_id: clientId })).json).toEqual({
      active: false,
    });
    const refreshed = await post('/auth/token', {
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: clientId,
    });
    expect(field(refreshed.json, 'error')).toBe('invalid_grant');
  });

  it('keeps npm run token’s ID tokens working beside SMART access tokens', async () => {
    const idToken = await token({ role: 'patient', org, sub: patientSub, patientId });
    expect((await api(`/Patient/${patientId}`, { token: idToken })).status).toBe(200);
  });
});

describe('npm run smart:client', () => {
  it('prints the registration as JSON with --json', () => {
    const run = cli('smart-client.ts', [
      '--name',
      'JSON app',
      '--redirect-uri',
      REDIRECT_URI,
      '--public',
      '--scopes',
      'patient/*.rs',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      client_name: 'JSON app',
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: 'none',
      scope: 'patient/*.rs',
    });
  });

  it('refuses a malformed scope, a public client without a redirect URI, and system/ scopes for an app', () => {
    for (const args of [
      ['--redirect-uri', REDIRECT_URI, '--public', '--scopes', 'patient/*.sr'],
      ['--public', '--scopes', 'patient/*.rs'],
      ['--redirect-uri', REDIRECT_URI, '--public', '--scopes', 'system/*.rs'],
      ['--redirect-uri', 'javascript:alert(1)', '--public', '--scopes', 'patient/*.rs'],
    ]) {
      const run = cli('smart-client.ts', ['--name', 'Bad app', ...args]);
      expect(run.status, args.join(' ')).toBe(2);
      expect(run.stderr.length).toBeGreaterThan(0);
    }
  });
});
