import { parseScopes, type Scope, scopeCovers } from '../../../shared/auth/scopes.ts';
import { type ClientRegistration, findClient } from './clients.ts';
import type { GrantStore } from './grants.ts';
import {
  type AuthorizationAnswer,
  type AuthorizationRequest,
  baseUrlOf,
  formOf,
  OAuthError,
  singleValued,
} from './oauth.ts';
import { fhirUserOf } from './tokens.ts';
import { findUser, type LocalUser, readUsers } from './users.ts';

/** A valid authorization request (RFC 6749 §4.1.1 with PKCE and SMART's `aud`). */
interface Authorization {
  client: ClientRegistration;
  redirectUri: string;
  state: string;
  aud: string;
  scopes: Scope[];
  codeChallenge: string;
  nonce?: string;
}

/** The parameters the page carries from its GET to its POST. */
const CARRIED = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'aud',
  'code_challenge',
  'code_challenge_method',
  'nonce',
] as const;

/** Said on a page, never by a redirect: the redirect URI is not known to be the client's (§4.1.2.1). */
class UntrustedRedirectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UntrustedRedirectError';
  }
}

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

function validate(dataDir: string, parameters: ReadonlyMap<string, string>, base: string): Authorization {
  const client = findClient(dataDir, parameters.get('client_id') ?? '');
  if (!client) throw new UntrustedRedirectError('No client is registered with this client_id.');
  const redirectUri = parameters.get('redirect_uri') ?? '';
  if (!client.redirect_uris.includes(redirectUri)) {
    throw new UntrustedRedirectError(
      'The redirect_uri is not one this client registered (it must match exactly).',
    );
  }
  const state = parameters.get('state') ?? '';
  const redirected = (error: string, description: string) =>
    new RedirectedError(redirectUri, state, error, description);
  if (parameters.get('response_type') !== 'code') {
    throw redirected('unsupported_response_type', 'response_type must be code');
  }
  if (state.length === 0) throw redirected('invalid_request', 'state is required');
  const codeChallenge = parameters.get('code_challenge') ?? '';
  if (parameters.get('code_challenge_method') !== 'S256' || !S256_CHALLENGE.test(codeChallenge)) {
    throw redirected(
      'invalid_request',
      'PKCE is required: code_challenge (S256, base64url) with code_challenge_method=S256',
    );
  }
  if ((parameters.get('aud') ?? '').replace(/\/$/, '') !== base) {
    throw redirected('invalid_request', `aud must be this FHIR server's base URL, ${base}`);
  }

  const { scopes, refused } = parseScopes(parameters.get('scope') ?? '');
  if (refused[0]) throw redirected('invalid_scope', `${refused[0].scope}: ${refused[0].reason}`);
  if (scopes.length === 0) throw redirected('invalid_scope', 'scope is required');
  const registered = parseScopes(client.scope).scopes;
  for (const scope of scopes) {
    if (scope.kind === 'resource' && scope.context === 'system') {
      throw redirected(
        'invalid_scope',
        `${scope.text}: system/ scopes are for backend services (client_credentials)`,
      );
    }
    if (!scopeCovers(registered, scope)) {
      throw redirected('invalid_scope', `${scope.text} is not among the scopes registered for this client`);
    }
  }
  const nonce = parameters.get('nonce');
  return { client, redirectUri, state, aud: base, scopes, codeChallenge, ...(nonce ? { nonce } : {}) };
}

/** Said to the client at its redirect URI, with its `state` (RFC 6749 §4.1.2.1). */
class RedirectedError extends Error {
  readonly redirectUri: string;
  readonly state: string;
  readonly error: string;
  constructor(redirectUri: string, state: string, error: string, description: string) {
    super(description);
    this.name = 'RedirectedError';
    this.redirectUri = redirectUri;
    this.state = state;
    this.error = error;
  }
}

function redirect(status: 302 | 303, to: string, parameters: Record<string, string>): AuthorizationAnswer {
  const url = new URL(to);
  for (const [name, value] of Object.entries(parameters)) if (value) url.searchParams.set(name, value);
  return { status, headers: { Location: url.toString(), 'Cache-Control': 'no-store' }, body: '' };
}

/** GET shows the page, POST decides: both check the request the same way first. */
export function authorize(
  request: AuthorizationRequest,
  dataDir: string,
  grants: GrantStore,
): AuthorizationAnswer {
  const status = request.method === 'GET' ? 302 : 303;
  try {
    const parameters = request.method === 'GET' ? singleValued(request.url.searchParams) : formOf(request);
    const authorization = validate(dataDir, parameters, baseUrlOf(request));
    if (request.method === 'GET') {
      return page(
        200,
        consentPage(authorization, parameters, readUsers(dataDir), parameters.get('login_hint')),
      );
    }
    if (parameters.get('decision') !== 'allow') {
      return redirect(status, authorization.redirectUri, {
        error: 'access_denied',
        error_description: 'the user did not allow access',
        state: authorization.state,
      });
    }
    const user = findUser(dataDir, parameters.get('user') ?? '');
    if (!user) throw new UntrustedRedirectError('Pick one of the listed users.');
    const scope = grantedScopes(authorization.scopes, user, authorization.aud);
    const code = grants.issueCode({
      clientId: authorization.client.client_id,
      sub: user.sub,
      scope,
      aud: authorization.aud,
      ...(scope.split(' ').includes('launch/patient') && user.patientId ? { patient: user.patientId } : {}),
      ...(authorization.nonce ? { nonce: authorization.nonce } : {}),
      redirectUri: authorization.redirectUri,
      codeChallenge: authorization.codeChallenge,
    });
    return redirect(status, authorization.redirectUri, { code, state: authorization.state });
  } catch (error) {
    if (error instanceof RedirectedError) {
      return redirect(status, error.redirectUri, {
        error: error.error,
        error_description: error.message,
        state: error.state,
      });
    }
    if (error instanceof UntrustedRedirectError || error instanceof OAuthError) {
      return page(400, errorPage(error.message));
    }
    throw error;
  }
}

/**
 * What the user gets of what the client asked for: the patient context only for a user who is
 * a patient, `fhirUser` only for a user with a Patient or Practitioner resource.
 */
function grantedScopes(scopes: readonly Scope[], user: LocalUser, base: string): string {
  return scopes
    .filter((scope) => scope.kind !== 'launch/patient' || user.patientId !== undefined)
    .filter((scope) => scope.kind !== 'fhirUser' || fhirUserOf(user, base) !== undefined)
    .map((scope) => scope.text)
    .join(' ');
}

const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? '',
  );

function page(status: number, body: string): AuthorizationAnswer {
  return {
    status,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      // A consent page must not be framed (clickjacking) nor run anything.
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'X-Frame-Options': 'DENY',
    },
    body,
  };
}

const STYLE =
  'body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem}' +
  'label,select,button{font-size:1rem}select{width:100%;margin:.3rem 0 1rem}li{font-family:monospace}';

const html = (title: string, content: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
  `<style>${STYLE}</style></head><body>${content}</body></html>`;

function consentPage(
  authorization: Authorization,
  parameters: ReadonlyMap<string, string>,
  users: readonly LocalUser[],
  loginHint: string | undefined,
): string {
  const hidden = CARRIED.map((name) => {
    const value = parameters.get(name);
    return value === undefined ? '' : `<input type="hidden" name="${name}" value="${escapeHtml(value)}">`;
  }).join('');
  const options = users
    .map((user) => {
      const selected = user.sub === loginHint ? ' selected' : '';
      const resource = user.patientId
        ? ` · Patient/${user.patientId}`
        : user.practitionerId
          ? ` · Practitioner/${user.practitionerId}`
          : '';
      return `<option value="${escapeHtml(user.sub)}"${selected}>${escapeHtml(`${user.sub} (${user.role}, ${user.org}${resource})`)}</option>`;
    })
    .join('');
  const scopes = authorization.scopes.map((scope) => `<li>${escapeHtml(scope.text)}</li>`).join('');
  const chooser =
    users.length > 0
      ? `<label for="user">User</label><select id="user" name="user" required>${options}</select>`
      : '<p>No users yet: run <code>npm run seed</code> or <code>npm run token</code> first.</p>';
  return html(
    'Sign in to the FHIR records API',
    `<h1>Sign in</h1><p><strong>${escapeHtml(authorization.client.client_name)}</strong> asks for:</p>` +
      `<ul>${scopes}</ul><form method="post" action="/auth/authorize">${hidden}${chooser}` +
      `<button type="submit" name="decision" value="allow"${users.length > 0 ? '' : ' disabled'}>Allow</button> ` +
      '<button type="submit" name="decision" value="deny">Deny</button></form>' +
      '<p><small>Local authorization server of <code>npm start</code>: no passwords, any listed user.</small></p>',
  );
}

const errorPage = (message: string): string =>
  html('Authorization refused', `<h1>Authorization refused</h1><p>${escapeHtml(message)}</p>`);
