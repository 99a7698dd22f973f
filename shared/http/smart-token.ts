import { randomUUID } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, type JWTVerifyGetKey } from 'jose';
import { BACKEND_TOKEN_ALGORITHM, BACKEND_TOKEN_SECONDS } from '../auth/api-tokens.ts';
import {
  assertionIssuer,
  backendScope,
  backendTokenClaims,
  invalidClient,
  JWT_BEARER,
  signJwt,
  verifyClientAssertion,
} from '../auth/backend-services.ts';
import { smartScopesOf } from '../auth/cognito-scopes.ts';
import { formParameters, NO_STORE, OAuthError, required } from '../auth/oauth.ts';
import { loggerAt } from '../base/logger.ts';
import type { BackendClient } from '../config.ts';
import { SMART_PATHS } from '../routes.ts';
import { firstUseOfAssertion } from '../store/assertion-replay.ts';
import { SECURITY_HEADERS } from './headers.ts';
import { type Event, lowerCaseHeaders, type Result } from './middleware/state.ts';

/** What the token endpoint stands on in AWS: the registrations, the key, the replay store, Cognito. */
export interface TokenEndpoint {
  /** The FHIR base URL: the tokens' issuer and audience. */
  issuer: string;
  /** This endpoint's URL: the `aud` of every client assertion (SMART Backend Services). */
  url: string;
  clients: readonly BackendClient[];
  keysOf: (client: BackendClient) => JWTVerifyGetKey;
  /** False when the assertion's jti was seen before. */
  firstUse: (clientId: string, jti: string, until: number) => Promise<boolean>;
  sign: (signingInput: Uint8Array) => Promise<Uint8Array>;
  keyId: string;
  /** The managed login's token endpoint answer to the same form (codes and refresh tokens are Cognito's). */
  forward: (form: string) => Promise<ManagedLoginAnswer>;
  /** Browser apps' origins (their redirect URIs'), which may read the answer. */
  origins: readonly string[];
  /** One line per call: the endpoint, grant, status and error code; never a token, code or assertion. */
  log: OAuthLog;
}

export type OAuthLog = (line: Record<string, string | number>) => void;

/** The OAuth endpoints' log line in AWS, at the function's level. */
export const oauthLogAt = (level: Parameters<typeof loggerAt>[0]): OAuthLog => {
  const logger = loggerAt(level);
  return (line) => logger.info('oauth endpoint', line);
};

/**
 * `POST /auth/token` in AWS: `client_credentials` for backend services is answered here, with
 * an access token the token key signs; `authorization_code` and `refresh_token` go on to Cognito,
 * whose answer comes back with the SMART `scope` and launch `patient` it implies. Errors are
 * RFC 6749 §5.2 JSON. Nothing of the request is logged: it carries codes and assertions.
 */
export const answerToken = (event: Event, endpoint: TokenEndpoint): Promise<Result> =>
  oauthAnswer(event, endpoint, async (form, raw) => {
    const grantType = required(form, 'grant_type');
    if (grantType === 'client_credentials') return [200, await backendToken(form, endpoint)];
    if (grantType === 'authorization_code' || grantType === 'refresh_token') {
      const forwarded = await endpoint.forward(raw);
      return [forwarded.status, smartAnswerOf(forwarded)];
    }
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  });

/**
 * An OAuth endpoint's HTTP: the form parsed once (each parameter once), the answer as no-store
 * JSON readable by the apps' origins, an OAuthError as RFC 6749 §5.2 JSON. Anything else is
 * thrown (500): nothing of the request, which carries codes, tokens and assertions, is logged.
 */
export async function oauthAnswer(
  event: Event,
  { origins, log }: { origins: readonly string[]; log: OAuthLog },
  answerForm: (form: ReadonlyMap<string, string>, raw: string) => Promise<[number, unknown]>,
): Promise<Result> {
  const headers = lowerCaseHeaders(event.headers);
  const origin = headers.origin;
  const cors: Record<string, string> =
    origin && origins.includes(origin) ? { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' } : {};
  const answer = (status: number, body: unknown): Result => ({
    statusCode: status,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'application/json', ...NO_STORE, ...cors },
    body: body === undefined ? '' : JSON.stringify(body),
  });
  const line: Record<string, string | number> = { endpoint: `${event.httpMethod} ${event.resource}` };
  try {
    const raw = event.isBase64Encoded
      ? Buffer.from(event.body ?? '', 'base64').toString('utf8')
      : (event.body ?? '');
    const form = formParameters(headers['content-type'], raw);
    const grantType = form.get('grant_type');
    if (grantType && /^[a-z_]{1,32}$/.test(grantType)) line.grantType = grantType;
    const [status, body] = await answerForm(form, raw);
    log({ ...line, status });
    return answer(status, body);
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    log({ ...line, status: error.status, error: error.error });
    return answer(error.status, { error: error.error, error_description: error.message });
  }
}

/** The managed login's answer: its status and JSON body (none for an empty 200). */
export interface ManagedLoginAnswer {
  status: number;
  body: unknown;
}

/**
 * A form POSTed to Cognito's managed login (`/oauth2/token`, `/oauth2/revoke`) as the client sent
 * it. Five seconds: API Gateway gives up at 29. No answer, or one that is not JSON, is RFC 6749's
 * `temporarily_unavailable` (503), not a 500.
 */
export async function postToManagedLogin(url: string, form: string): Promise<ManagedLoginAnswer> {
  const unavailable = () =>
    new OAuthError('temporarily_unavailable', 'the authorization server did not answer: try again', 503);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(5000),
    });
    text = await response.text();
  } catch {
    throw unavailable();
  }
  if (text === '') return { status: response.status, body: undefined };
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    throw unavailable();
  }
}

/** What authenticating a backend service takes: its registration, its keys, the replay store. */
export type BackendAuthentication = Pick<TokenEndpoint, 'url' | 'clients' | 'keysOf' | 'firstUse'>;

/**
 * Backend authentication in AWS: the registered clients, their keys (an inline JWKS, or a JWKS
 * URL fetched when first needed and cached by jose), the jti store in the records table.
 */
export function awsBackendAuthentication(options: {
  fhirBase: string;
  clients: readonly BackendClient[];
  dynamo: Pick<DynamoDBDocumentClient, 'send'>;
  table: string;
}): BackendAuthentication {
  const keySets = new Map<string, JWTVerifyGetKey>();
  return {
    url: `${options.fhirBase}${SMART_PATHS.token}`,
    clients: options.clients,
    keysOf: (client) => {
      let keys = keySets.get(client.clientId);
      if (!keys) {
        keys = client.jwks
          ? createLocalJWKSet({ keys: client.jwks.keys })
          : createRemoteJWKSet(new URL(client.jwksUrl ?? ''));
        keySets.set(client.clientId, keys);
      }
      return keys;
    },
    firstUse: (clientId, jti, until) =>
      firstUseOfAssertion(options.dynamo, options.table, clientId, jti, until),
  };
}

/**
 * The backend service whose `private_key_jwt` assertion (RFC 7523) the form carries, verified
 * for `endpoint.url` (SMART asks for the token endpoint as the `aud` of every endpoint's
 * assertion) and its `jti` used up; `invalid_client` (401) otherwise.
 */
export async function authenticatedBackend(
  form: ReadonlyMap<string, string>,
  endpoint: BackendAuthentication,
): Promise<BackendClient> {
  if (form.get('client_assertion_type') !== JWT_BEARER) {
    throw invalidClient(`authenticate with client_assertion_type ${JWT_BEARER} (private_key_jwt)`);
  }
  const assertion = required(form, 'client_assertion');
  const clientId = assertionIssuer(assertion);
  const client = endpoint.clients.find((registered) => registered.clientId === clientId);
  if (!client) throw invalidClient('the client_assertion names (iss) no registered backend service');
  const named = form.get('client_id');
  if (named !== undefined && named !== client.clientId) {
    throw invalidClient('client_id differs from the assertion');
  }
  const { jti, rememberUntil } = await verifyClientAssertion(
    assertion,
    client.clientId,
    endpoint.keysOf(client),
    endpoint.url,
  );
  // After the signature: a forged assertion cannot use up a real client's jti.
  if (!(await endpoint.firstUse(client.clientId, jti, rememberUntil))) {
    throw invalidClient('the client_assertion was used before (jti)');
  }
  return client;
}

async function backendToken(form: ReadonlyMap<string, string>, endpoint: TokenEndpoint) {
  const client = await authenticatedBackend(form, endpoint);
  const scope = backendScope(form.get('scope'), client.scopes);
  const claims = backendTokenClaims({
    issuer: endpoint.issuer,
    clientId: client.clientId,
    org: client.org,
    role: client.role,
    scope,
    jti: randomUUID(),
    lifetimeSeconds: BACKEND_TOKEN_SECONDS,
  });
  return {
    access_token: await signJwt(claims, { alg: BACKEND_TOKEN_ALGORITHM, kid: endpoint.keyId }, endpoint.sign),
    token_type: 'Bearer',
    expires_in: BACKEND_TOKEN_SECONDS,
    scope,
  };
}

/**
 * Cognito's token answer as SMART's: `scope` (Cognito leaves it out) and the launch `patient`
 * from the access token it just issued to us over TLS, so read without verifying again.
 */
function smartAnswerOf({ status, body }: ManagedLoginAnswer): unknown {
  if (status !== 200 || typeof body !== 'object' || body === null) return body;
  const accessToken: unknown = Reflect.get(body, 'access_token');
  if (typeof accessToken !== 'string') return body;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    claims = decodeJwt(accessToken);
  } catch {
    return body;
  }
  return {
    ...body,
    ...(typeof claims.scope === 'string' ? { scope: smartScopesOf(claims.scope) } : {}),
    ...(typeof claims.patient === 'string' ? { patient: claims.patient } : {}),
  };
}
