import { errors, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { readLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { ROLES, type Role } from '../../shared/routes.ts';
import { TokenExpiredError, TokenRevokedError } from './errors.ts';

/**
 * The local stand-in for the Cognito user pool: signs ID tokens of the Cognito shape
 * with the data dir's ES256 key, and verifies them as the API Gateway authorizer would.
 */
export const LOCAL_AUDIENCE = 'fhir-records-local';
export const issuerOf = (kid: string): string => `urn:fhir-records:local-issuer:${kid}`;

export interface TokenRequest {
  role: Role;
  org: string;
  sub: string;
  patientId?: string;
  practitionerId?: string;
  /** Lifetime in seconds (default 15 minutes, as the stack configures Cognito). */
  ttlSeconds?: number;
}

export async function mintToken(keyDir: string, request: TokenRequest): Promise<string> {
  if (!ROLES.includes(request.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  const { issuerPrivateJwk } = readLocalKeyMaterial(keyDir);
  const key = await importJWK(issuerPrivateJwk, 'ES256');
  const claims: JWTPayload = {
    'cognito:groups': [request.role],
    'custom:org': request.org,
    token_use: 'id',
    ...(request.patientId ? { 'custom:patientId': request.patientId } : {}),
    ...(request.practitionerId ? { 'custom:practitionerId': request.practitionerId } : {}),
  };
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: issuerPrivateJwk.kid, typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuer(issuerOf(issuerPrivateJwk.kid))
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (request.ttlSeconds ?? 15 * 60))
    .sign(key);
}

/** The request a token is presented with: its base URL is an access token's `iss` and `aud`. */
export interface VerifyContext {
  baseUrl: string;
}

export type Verifier = (token: string, context?: VerifyContext) => Promise<Record<string, string>>;

export interface VerifierOptions {
  /** Access tokens revoked at the local authorization server (by `jti`). */
  isRevoked?: (jti: string) => boolean;
}

const audienceIncludes = (aud: JWTPayload['aud'], expected: string): boolean =>
  Array.isArray(aud) ? aud.includes(expected) : aud === expected;

/**
 * Verifies signature (ES256 only: no `none`, no HS256 with the public key), issuer,
 * audience, expiry and not-before, and `token_use`; returns the claims the way API Gateway
 * hands them to a function: as strings. Two kinds pass: the Cognito-shaped ID tokens of
 * `npm run token` (`token_use: id`, this issuer, the local audience) and the access tokens of
 * the local SMART authorization server (`token_use: access`, issued by and for the base URL
 * the request came to, not revoked).
 */
export async function createVerifier(keyDir: string, options: VerifierOptions = {}): Promise<Verifier> {
  const { issuerPublicJwk } = readLocalKeyMaterial(keyDir);
  const key = await importJWK(issuerPublicJwk, 'ES256');
  const issuer = issuerOf(issuerPublicJwk.kid);
  return async (token, context) => {
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      issuer: context ? [issuer, context.baseUrl] : issuer,
      audience: context ? [LOCAL_AUDIENCE, context.baseUrl] : LOCAL_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: 5,
    }).catch((error: unknown) => {
      // jose checks the signature before the claims: only a token this issuer signed gets here.
      throw error instanceof errors.JWTExpired ? new TokenExpiredError({ cause: error }) : error;
    });
    if (protectedHeader.kid !== issuerPublicJwk.kid) throw new Error('unknown key id');
    if (payload.token_use === 'id') {
      // An ID token is the Cognito-shaped one; the SMART server's ID tokens (aud = a client) never pass.
      if (payload.iss !== issuer || !audienceIncludes(payload.aud, LOCAL_AUDIENCE)) {
        throw new Error('not an ID token of the local issuer');
      }
    } else if (payload.token_use === 'access') {
      if (!context || payload.iss !== context.baseUrl || !audienceIncludes(payload.aud, context.baseUrl)) {
        throw new Error('not an access token for this API');
      }
      if (typeof payload.jti !== 'string' || options.isRevoked?.(payload.jti)) throw new TokenRevokedError();
    } else {
      throw new Error('neither an ID token nor an access token');
    }
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) {
      claims[name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return claims;
  };
}
