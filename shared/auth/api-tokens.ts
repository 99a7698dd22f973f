import type { KeyObject } from 'node:crypto';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import {
  createRemoteJWKSet,
  decodeJwt,
  errors,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
} from 'jose';
import { cachedPublicKey, regionalKms } from '../crypto/token-key.ts';
import { smartScopesOf } from './cognito-scopes.ts';

/**
 * The tokens API Gateway lets through in AWS, verified by the stack's Lambda authorizer: the
 * user pool's ID and access tokens (managed login, SMART apps) and the access tokens the stack's
 * token function signs for backend services. Pure but for the keys it is handed.
 */

/** The backend services' access tokens: KMS RSASSA_PKCS1_V1_5_SHA_384, five minutes. */
export const BACKEND_TOKEN_ALGORITHM = 'RS384';
export const BACKEND_TOKEN_SECONDS = 5 * 60;
const CLOCK_TOLERANCE_SECONDS = 5;

export interface ApiTokenIssuers {
  /** The user pool: its issuer URL, its app clients, its JWKS. */
  userPool: { issuer: string; clientIds: readonly string[]; keys: JWTVerifyGetKey };
  /** The token function: its issuer (the FHIR base URL, also the audience) and its public key. */
  backend: { issuer: string; key: () => Promise<KeyObject> };
}

/** The issuers in AWS: the pool's JWKS and the token key's public half, each fetched once per container. */
export const awsTokenIssuers = (options: {
  region: string;
  userPoolIssuer: string;
  clientIds: readonly string[];
  tokenIssuer: string;
  tokenKeyArn: string;
}): ApiTokenIssuers => ({
  userPool: {
    issuer: options.userPoolIssuer,
    clientIds: options.clientIds,
    keys: createRemoteJWKSet(new URL(`${options.userPoolIssuer}/.well-known/jwks.json`)),
  },
  backend: {
    issuer: options.tokenIssuer,
    key: cachedPublicKey(regionalKms(options.region), options.tokenKeyArn),
  },
});

/** Why a token is refused, for the authorizer's log line: a category, never a claim value. */
export class TokenRefusedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TokenRefusedError';
  }
}

/** The claims of `token` if one of `issuers` signed it for this API and it is in date; else throws. */
export async function verifyApiToken(token: string, issuers: ApiTokenIssuers): Promise<JWTPayload> {
  let issuer: unknown;
  try {
    issuer = decodeJwt(token).iss;
  } catch (error) {
    throw new TokenRefusedError('not a JWT', { cause: error });
  }
  if (issuer === issuers.userPool.issuer) return verifyUserPoolToken(token, issuers.userPool);
  if (issuer === issuers.backend.issuer) return verifyBackendToken(token, issuers.backend);
  throw new TokenRefusedError('unknown issuer');
}

async function verifyUserPoolToken(token: string, pool: ApiTokenIssuers['userPool']): Promise<JWTPayload> {
  const { payload } = await verified(
    jwtVerify(token, pool.keys, {
      issuer: pool.issuer,
      algorithms: ['RS256'],
      requiredClaims: ['exp', 'sub', 'token_use'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }),
  );
  // Cognito's ID tokens name the app client in `aud`, its access tokens in `client_id`.
  const client =
    payload.token_use === 'id' ? payload.aud : payload.token_use === 'access' ? payload.client_id : undefined;
  if (typeof client !== 'string' || !pool.clientIds.includes(client)) {
    throw new TokenRefusedError('not a token of this API’s app clients');
  }
  // Cognito spells `fhirUser` and `offline_access` as `smart/...` scopes: the API reads SMART's.
  if (payload.token_use === 'access' && typeof payload.scope === 'string') {
    return { ...payload, scope: smartScopesOf(payload.scope) };
  }
  return payload;
}

async function verifyBackendToken(token: string, backend: ApiTokenIssuers['backend']): Promise<JWTPayload> {
  const { payload } = await verified(
    jwtVerify(token, await backend.key(), {
      issuer: backend.issuer,
      audience: backend.issuer,
      algorithms: [BACKEND_TOKEN_ALGORITHM],
      requiredClaims: ['exp', 'sub', 'jti', 'scope', 'client_id'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      maxTokenAge: BACKEND_TOKEN_SECONDS + CLOCK_TOLERANCE_SECONDS,
    }),
  );
  if (payload.token_use !== 'access' || payload.client_id !== payload.sub) {
    throw new TokenRefusedError('not a backend service access token');
  }
  return payload;
}

/**
 * A JOSE error is the token's fault (signature, claims, time, no matching key): refused, 401.
 * Not reaching the pool's JWKS (a timeout, a network error, an answer that is not a JWKS) is
 * ours: thrown on, so API Gateway answers 500 instead of telling a valid user to sign in again.
 */
async function verified<T>(verification: Promise<T>): Promise<T> {
  try {
    return await verification;
  } catch (error) {
    const unreachable = error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid;
    if (!(error instanceof errors.JOSEError) || unreachable) throw error;
    throw new TokenRefusedError('signature, issuer or time refused', { cause: error });
  }
}

/** The claims the API's Principal is built from (shared/auth/principal.ts); nothing else travels. */
const PRINCIPAL_CLAIMS = [
  'sub',
  'cognito:groups',
  'custom:org',
  'custom:patientId',
  'custom:practitionerId',
  'scope',
  'patient',
  'client_id',
  'token_use',
] as const;

/**
 * The authorizer's answer: Allow on every method of the stage (the answer is cached per token
 * for five minutes and reused for whatever method the token calls next), with the claims as one
 * JSON string, since a Lambda authorizer's context holds flat string, number or boolean values
 * only. The principal id is the subject (a user pool id or a client id, no PHI), for the access log.
 */
export function authorizerAnswer(claims: JWTPayload, methodArn: string): APIGatewayAuthorizerResult {
  const [arnPrefix, stage] = methodArn.split('/');
  if (!arnPrefix?.startsWith('arn:') || !stage) throw new TokenRefusedError('not a method ARN');
  const kept = Object.fromEntries(
    PRINCIPAL_CLAIMS.filter((name) => claims[name] !== undefined).map((name) => [name, claims[name]]),
  );
  return {
    principalId: String(claims.sub),
    policyDocument: {
      Version: '2012-10-17',
      Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: `${arnPrefix}/${stage}/*` }],
    },
    context: { claims: JSON.stringify(kept) },
  };
}

/**
 * The verified claims a function finds in `requestContext.authorizer`: the Lambda authorizer's
 * JSON string (AWS and the local gateway), or a claims object as the Cognito authorizer left it.
 * Undefined (401 downstream) for anything else.
 */
export function claimsOfAuthorizer(authorizer: unknown): unknown {
  if (typeof authorizer !== 'object' || authorizer === null) return undefined;
  const claims: unknown = Reflect.get(authorizer, 'claims');
  if (typeof claims !== 'string') return claims;
  try {
    return JSON.parse(claims);
  } catch {
    return undefined;
  }
}

/** What API Gateway hands a TOKEN authorizer. */
export interface TokenAuthorizerEvent {
  authorizationToken?: string;
  methodArn: string;
}

/**
 * The authorizer's decision: Allow with the claims, or the error API Gateway turns into its 401
 * (`Unauthorized`, the only message it understands as such). A failure to reach a key is thrown
 * as it is: API Gateway answers 500 and lets nothing through.
 */
export async function authorizeToken(
  event: TokenAuthorizerEvent,
  issuers: ApiTokenIssuers,
): Promise<APIGatewayAuthorizerResult> {
  const token = /^Bearer\s+(\S+)$/i.exec(event.authorizationToken ?? '')?.[1];
  if (!token) throw new Error('Unauthorized');
  try {
    return authorizerAnswer(await verifyApiToken(token, issuers), event.methodArn);
  } catch (error) {
    if (error instanceof TokenRefusedError) throw new Error('Unauthorized');
    throw error;
  }
}
