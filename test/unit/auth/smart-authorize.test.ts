import { describe, expect, it } from 'vitest';
import {
  type AuthorizeQuery,
  authorizeRedirect,
  cognitoScopesOf,
} from '../../../shared/auth/smart-authorize.ts';
import type { SmartClient } from '../../../shared/config.ts';
import { proxyEvent } from '../../../shared/http/proxy-event.ts';
import { answerAuthorize } from '../../../shared/http/smart-authorize.ts';

const client: SmartClient = {
  clientId: '4example0client0id000000000',
  redirectUris: ['https://app.example.com/callback', 'http://localhost:5173/callback'],
  scopes: ['openid', 'smart/fhirUser', 'launch/patient', 'smart/offline_access', 'patient/Patient.rs'],
};
const FHIR_BASE = 'https://abc123.execute-api.eu-west-1.amazonaws.com/test';
const settings = {
  clients: [client],
  fhirBase: FHIR_BASE,
  authorizationServer: 'https://fhir-records-test.auth.eu-west-1.amazoncognito.com',
};
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

/** What fhirclient sends for a standalone patient launch. */
const standalone = (overrides: Record<string, string | string[] | undefined> = {}): AuthorizeQuery => {
  const parameters: Record<string, string | string[] | undefined> = {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: 'https://app.example.com/callback',
    scope: 'openid fhirUser launch/patient patient/Patient.rs',
    state: 'st4te-0f-the-app',
    aud: FHIR_BASE,
    code_challenge: CHALLENGE,
    code_challenge_method: 'S256',
    ...overrides,
  };
  return Object.fromEntries(
    Object.entries(parameters).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value : [value]]],
    ),
  );
};

const location = (query: AuthorizeQuery): URL => {
  const answer = authorizeRedirect(query, settings);
  if (answer.kind !== 'redirect') throw new Error(`expected a redirect, got ${answer.description}`);
  return new URL(answer.location);
};

describe('the SMART authorize facade', () => {
  it('sends a valid standalone launch to the managed login with the Cognito scopes, without aud and launch', () => {
    const to = location(standalone({ launch: 'xyz', nonce: 'n-0S6_WzA2Mj' }));
    expect(`${to.origin}${to.pathname}`).toBe(
      'https://fhir-records-test.auth.eu-west-1.amazoncognito.com/oauth2/authorize',
    );
    expect(Object.fromEntries(to.searchParams)).toEqual({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: 'https://app.example.com/callback',
      state: 'st4te-0f-the-app',
      scope: 'openid smart/fhirUser launch/patient patient/Patient.rs',
      code_challenge: CHALLENGE,
      code_challenge_method: 'S256',
      nonce: 'n-0S6_WzA2Mj',
    });
  });

  it('accepts aud with a trailing slash', () => {
    expect(location(standalone({ aud: `${FHIR_BASE}/` })).hostname).toContain('amazoncognito.com');
  });

  it('refuses an unknown client or redirect URI on its own page, echoing nothing', () => {
    for (const query of [
      standalone({ client_id: 'someone-else<script>' }),
      standalone({ redirect_uri: 'https://evil.example.com/callback' }),
      standalone({ redirect_uri: 'https://app.example.com/callback/' }),
      standalone({ redirect_uri: undefined }),
      standalone({ client_id: [client.clientId, client.clientId] }),
    ]) {
      const answer = authorizeRedirect(query, settings);
      expect(answer.kind).toBe('refused');
      const text = JSON.stringify(answer);
      expect(text).not.toContain('evil');
      expect(text).not.toContain('<script>');
    }
  });

  it.each<[string, Record<string, string | string[] | undefined>, string]>([
    ['response_type=token', { response_type: 'token' }, 'unsupported_response_type'],
    ['no state', { state: undefined }, 'invalid_request'],
    ['no PKCE', { code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
    ['PKCE plain', { code_challenge_method: 'plain' }, 'invalid_request'],
    ['a short challenge', { code_challenge: 'abc' }, 'invalid_request'],
    ['another aud', { aud: 'https://other.example.com/fhir' }, 'invalid_request'],
    ['no aud', { aud: undefined }, 'invalid_request'],
    ['a repeated scope parameter', { scope: ['openid', 'fhirUser'] }, 'invalid_request'],
    ['a system/ scope', { scope: 'openid system/Patient.rs' }, 'invalid_scope'],
    ['a scope not registered', { scope: 'openid patient/Appointment.rs' }, 'invalid_scope'],
    ['a granular scope', { scope: 'patient/Patient.rs?identifier=x' }, 'invalid_scope'],
    ['a malformed scope', { scope: 'openid patient/Patient' }, 'invalid_scope'],
    ['no scope', { scope: undefined }, 'invalid_scope'],
  ])('sends %s back to the app with error and state', (_name, overrides, error) => {
    const to = location(standalone(overrides));
    expect(`${to.origin}${to.pathname}`).toBe('https://app.example.com/callback');
    expect(to.searchParams.get('error')).toBe(error);
    expect(to.searchParams.get('error_description')).toBeTruthy();
    expect(to.searchParams.get('code')).toBeNull();
    if ('state' in overrides) expect(to.searchParams.has('state')).toBe(false);
    else expect(to.searchParams.get('state')).toBe('st4te-0f-the-app');
  });

  it('grants a scope only as registered: patient/*.rs would not cover patient/Patient.rs in Cognito', () => {
    expect(cognitoScopesOf('patient/Patient.rs', new Set(['openid', 'patient/*.rs']))).toEqual({
      error: 'patient/Patient.rs is not among the scopes registered for this app',
    });
    expect(cognitoScopesOf('offline_access openid', new Set(client.scopes))).toEqual({
      cognito: ['smart/offline_access', 'openid'],
    });
  });
});

describe('GET /auth/authorize as API Gateway calls it', () => {
  const event = (query: AuthorizeQuery, domainName = 'abc123.execute-api.eu-west-1.amazonaws.com') => {
    const built = proxyEvent({
      method: 'GET',
      resource: '/auth/authorize',
      path: '/auth/authorize',
      headers: { Host: domainName, 'X-Forwarded-Proto': 'https' },
      query: new Map(Object.entries(query).map(([name, values]) => [name, [...(values ?? [])]])),
      sourceIp: '198.51.100.7',
      requestId: 'req-1',
      stage: 'test',
      domainName,
    });
    // API Gateway's requestContext.path carries the stage the event's path lacks.
    const stagePath = domainName.includes('execute-api') ? '/test/auth/authorize' : '/auth/authorize';
    return { ...built, requestContext: { ...built.requestContext, path: stagePath } };
  };
  const { fhirBase: _, ...http } = settings;

  it('takes aud from the stage URL the request came to and answers 302, not cacheable', () => {
    const result = answerAuthorize(event(standalone()), http);
    expect(result.statusCode).toBe(302);
    expect(result.headers?.Location).toMatch(
      /^https:\/\/fhir-records-test\.auth\.eu-west-1\.amazoncognito\.com\/oauth2\/authorize\?/,
    );
    expect(result.headers?.['Cache-Control']).toBe('no-store');
  });

  it('takes aud from the custom domain when called through it', () => {
    const viaDomain = event(standalone({ aud: 'https://api.example.com' }), 'api.example.com');
    expect(String(answerAuthorize(viaDomain, http).headers?.Location)).toContain('amazoncognito.com');
    const wrongAud = event(standalone(), 'api.example.com');
    expect(String(answerAuthorize(wrongAud, http).headers?.Location)).toContain('error=invalid_request');
  });

  it('answers 400 JSON for an unknown client, without the input', () => {
    const result = answerAuthorize(event(standalone({ client_id: 'nobody-we-know' })), http);
    expect(result.statusCode).toBe(400);
    expect(result.headers?.['Content-Type']).toBe('application/json');
    expect(JSON.parse(result.body)).toEqual({
      error: 'invalid_request',
      error_description: 'No SMART app is registered with this client_id.',
    });
    expect(result.body).not.toContain('nobody-we-know');
  });

  it('answers 400 for a request without any query', () => {
    const bare = { ...event({}), multiValueQueryStringParameters: null, queryStringParameters: null };
    expect(answerAuthorize(bare, http).statusCode).toBe(400);
  });
});
