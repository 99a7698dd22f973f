import { decodeJwt, errors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import * as z from 'zod/mini';
import { OAuthError } from './oauth.ts';
import { parseScopes, scopeCovers } from './scopes.ts';
import { ASSERTION_ALGORITHMS } from './smart-configuration.ts';

/**
 * SMART Backend Services, the parts both token endpoints share (the local authorization server
 * and the stack's token function): the client's `private_key_jwt` assertion (RFC 7523) and the
 * `system/` scopes it may be granted.
 */

/** Members only a private JWK has (RFC 7518 §6.2.2, §6.3.2, §6.4): a registration never holds them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * A backend service's registered keys, locally (`npm run smart:client -- --jwks`) and in the
 * stage (`smartBackendClients`): public RSA or P-384 EC keys for the assertion algorithms.
 */
export const PublicJwks = z.object({
  keys: z
    .array(
      z
        .looseObject({
          kty: z.enum(['RSA', 'EC']),
          kid: z.optional(z.string().check(z.minLength(1))),
          alg: z.optional(z.enum(ASSERTION_ALGORITHMS)),
          crv: z.optional(z.literal('P-384')),
          n: z.optional(z.string()),
          e: z.optional(z.string()),
          x: z.optional(z.string()),
          y: z.optional(z.string()),
        })
        .check(
          z.refine((key) => !PRIVATE_MEMBERS.some((member) => member in key), {
            message: 'a registered key is public: no private members (d, p, q, ...)',
          }),
        ),
    )
    .check(z.minLength(1), z.maxLength(10)),
});
export type PublicJwks = z.infer<typeof PublicJwks>;

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: an assertion's `exp` is at most five minutes in the future. */
export const MAX_ASSERTION_SECONDS = 5 * 60;
export const CLOCK_TOLERANCE_SECONDS = 5;

export const invalidClient = (description: string) => new OAuthError('invalid_client', description, 401);

/** The client an assertion names (`iss`), before anything of it is trusted: which keys to verify it with. */
export function assertionIssuer(assertion: string): string | undefined {
  try {
    const { iss } = decodeJwt(assertion);
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    throw invalidClient('the client_assertion is not a JWT');
  }
}

export interface VerifiedAssertion {
  jti: string;
  /** Until when (seconds) its jti must be remembered to refuse a replay. */
  rememberUntil: number;
}

/**
 * Verifies `assertion` as `clientId`'s for `audience` (the token endpoint's URL): RS384 or ES384
 * with one of the client's keys, `iss` = `sub` = the client, `exp` at most five minutes ahead, a
 * `jti`. The caller then refuses a `jti` it has seen, after this check, so that a forged
 * assertion cannot use up a real client's jti.
 */
export async function verifyClientAssertion(
  assertion: string,
  clientId: string,
  keys: JWTVerifyGetKey,
  audience: string,
): Promise<VerifiedAssertion> {
  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: clientId,
      subject: clientId,
      audience,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    throw invalidClient(`the client_assertion is refused: ${assertionFault(error)}`);
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp ?? 0;
  if (exp - now > MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw invalidClient('the client_assertion lives longer than 5 minutes (exp)');
  }
  if (typeof payload.iat === 'number' && exp - payload.iat > MAX_ASSERTION_SECONDS) {
    throw invalidClient('the client_assertion lives longer than 5 minutes (exp - iat)');
  }
  const jti = payload.jti ?? '';
  if (jti.length === 0 || jti.length > 255) {
    throw invalidClient('the client_assertion needs a jti of 1 to 255 characters');
  }
  return { jti, rememberUntil: exp + CLOCK_TOLERANCE_SECONDS };
}

/** Why jose refused an assertion, in words that name no key material. */
function assertionFault(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not valid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `sign it with ${ASSERTION_ALGORITHMS.join(' or ')}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no registered key matches its kid and alg';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'several registered keys match: give a kid';
  if (error instanceof errors.JWKSTimeout) return 'the registered JWKS URL did not answer in time';
  return 'its signature does not verify with the registered keys';
}

/**
 * The scope a backend service is granted: what it asked for, each a `system/` scope covered by
 * one it is registered for; anything else is `invalid_scope`, nothing is granted silently less.
 */
export function backendScope(requested: string | undefined, registered: string): string {
  const { scopes, refused } = parseScopes(requested ?? '');
  if (refused[0]) throw new OAuthError('invalid_scope', `${refused[0].scope}: ${refused[0].reason}`);
  if (scopes.length === 0) throw new OAuthError('invalid_scope', 'scope is required');
  const allowed = parseScopes(registered).scopes;
  for (const scope of scopes) {
    if (scope.kind !== 'resource' || scope.context !== 'system') {
      throw new OAuthError('invalid_scope', `${scope.text}: a backend service gets system/ scopes only`);
    }
    if (!scopeCovers(allowed, scope)) {
      throw new OAuthError(
        'invalid_scope',
        `${scope.text} is not among the scopes registered for this client`,
      );
    }
  }
  return scopes.map((scope) => scope.text).join(' ');
}

/** The access token of a backend service, as the API's Principal reads it (shared/auth/principal.ts). */
export interface BackendTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  client_id: string;
  'cognito:groups': string[];
  'custom:org': string;
  scope: string;
  token_use: 'access';
  iat: number;
  exp: number;
  jti: string;
}

export function backendTokenClaims(options: {
  issuer: string;
  clientId: string;
  org: string;
  role: string;
  scope: string;
  jti: string;
  lifetimeSeconds: number;
  now?: number;
}): BackendTokenClaims {
  const iat = options.now ?? Math.floor(Date.now() / 1000);
  // The service is its own subject (sub = client_id): the API reads that as the system/ context.
  return {
    iss: options.issuer,
    aud: options.issuer,
    sub: options.clientId,
    client_id: options.clientId,
    'cognito:groups': [options.role],
    'custom:org': options.org,
    scope: options.scope,
    token_use: 'access',
    iat,
    exp: iat + options.lifetimeSeconds,
    jti: options.jti,
  };
}

/** A compact JWS of `claims` with `alg` and `kid`, its signature made by `sign` (KMS in AWS). */
export async function signJwt(
  claims: object,
  header: { alg: string; kid: string },
  sign: (signingInput: Uint8Array) => Promise<Uint8Array>,
): Promise<string> {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ ...header, typ: 'JWT' })}.${encode(claims)}`;
  const signature = await sign(Buffer.from(signingInput));
  return `${signingInput}.${Buffer.from(signature).toString('base64url')}`;
}
