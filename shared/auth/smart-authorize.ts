import type { SmartClient } from '../config.ts';
import { cognitoScopeOf } from './cognito-scopes.ts';
import { parseScopes } from './scopes.ts';

/**
 * The SMART authorization endpoint in AWS, pure: what Cognito's `/oauth2/authorize` does not
 * check (SMART App Launch 2.0 §"Obtain authorization code"), then the same request in Cognito's
 * words. Cognito checks the client and the exact redirect URI too, but a SMART app must get
 * SMART's errors (a missing `aud`, PKCE other than S256) before its user sees a login page.
 */

export interface AuthorizeSettings {
  clients: readonly SmartClient[];
  /** The FHIR base URL the request came to: the only `aud` accepted. */
  fhirBase: string;
  /** The managed login's domain, `https://<prefix>.auth.<region>.amazoncognito.com`. */
  authorizationServer: string;
}

export type AuthorizeAnswer =
  /** Said to the browser, never to the redirect URI: it is not known to be the client's (RFC 6749 §4.1.2.1). */
  | { kind: 'refused'; error: 'invalid_request'; description: string }
  /** To Cognito's managed login, or back to the client with `error` and `state`. */
  | { kind: 'redirect'; location: string };

/** The query as API Gateway gives it: every value of each parameter. */
export type AuthorizeQuery = Readonly<Record<string, readonly string[] | undefined>>;

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Fixed texts: nothing the caller sent is echoed before the redirect URI is trusted. */
const UNKNOWN_CLIENT = 'No SMART app is registered with this client_id.';
const UNKNOWN_REDIRECT = 'The redirect_uri is not one this app registered (it must match exactly).';
const REPEATED = 'client_id and redirect_uri must be given once each.';

export function authorizeRedirect(query: AuthorizeQuery, settings: AuthorizeSettings): AuthorizeAnswer {
  const repeated = Object.entries(query).filter(([, values]) => (values?.length ?? 0) > 1);
  const one = (name: string): string | undefined => query[name]?.[0];
  if (repeated.some(([name]) => name === 'client_id' || name === 'redirect_uri')) return refused(REPEATED);

  const client = settings.clients.find((candidate) => candidate.clientId === one('client_id'));
  if (!client) return refused(UNKNOWN_CLIENT);
  const redirectUri = one('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) return refused(UNKNOWN_REDIRECT);

  const state = one('state') ?? '';
  const back = (error: string, description: string): AuthorizeAnswer =>
    redirect(redirectUri, { error, error_description: description, ...(state ? { state } : {}) });
  const [[name] = []] = repeated;
  // RFC 6749 §3.1: request parameters must not be included more than once.
  if (name !== undefined) return back('invalid_request', `${name} is given more than once`);
  if (one('response_type') !== 'code') return back('unsupported_response_type', 'response_type must be code');
  if (state.length === 0) return back('invalid_request', 'state is required');
  const codeChallenge = one('code_challenge') ?? '';
  if (one('code_challenge_method') !== 'S256' || !S256_CHALLENGE.test(codeChallenge)) {
    return back(
      'invalid_request',
      'PKCE is required: code_challenge (S256, base64url) with code_challenge_method=S256',
    );
  }
  if ((one('aud') ?? '').replace(/\/$/, '') !== settings.fhirBase) {
    return back('invalid_request', `aud must be this FHIR server's base URL, ${settings.fhirBase}`);
  }

  const scope = cognitoScopesOf(one('scope') ?? '', new Set(client.scopes));
  if ('error' in scope) return back('invalid_scope', scope.error);

  const nonce = one('nonce');
  return redirect(`${settings.authorizationServer.replace(/\/$/, '')}/oauth2/authorize`, {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri,
    state,
    scope: scope.cognito.join(' '),
    code_challenge: codeChallenge,
    code_challenge_method: 'S256',
    ...(nonce ? { nonce } : {}),
  });
}

/**
 * The requested SMART scopes as the Cognito scopes to ask for. In AWS a scope is granted only as
 * registered: `patient/*.rs` does not cover `patient/Patient.rs`, because Cognito allows an app
 * client exactly the scopes listed on it.
 */
export function cognitoScopesOf(
  requested: string,
  allowed: ReadonlySet<string>,
): { cognito: string[] } | { error: string } {
  const { scopes, refused } = parseScopes(requested);
  const [first] = refused;
  if (first) return { error: `${first.scope}: ${first.reason}` };
  if (scopes.length === 0) return { error: 'scope is required' };
  const cognito: string[] = [];
  for (const scope of scopes) {
    if (scope.kind === 'resource' && scope.context === 'system') {
      return { error: `${scope.text}: system/ scopes are for backend services (client_credentials)` };
    }
    const granted = cognitoScopeOf(scope.text, allowed);
    if (granted === undefined) {
      return { error: `${scope.text} is not among the scopes registered for this app` };
    }
    cognito.push(granted);
  }
  return { cognito };
}

const refused = (description: string): AuthorizeAnswer => ({
  kind: 'refused',
  error: 'invalid_request',
  description,
});

function redirect(to: string, parameters: Record<string, string>): AuthorizeAnswer {
  const url = new URL(to);
  for (const [name, value] of Object.entries(parameters)) url.searchParams.set(name, value);
  return { kind: 'redirect', location: url.toString() };
}
