import { errors, importJWK, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { readLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { ROLES, type Role } from '../../shared/routes.ts';
import { TokenExpiredError } from './errors.ts';

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

export type Verifier = (token: string) => Promise<Record<string, string>>;

/**
 * Verifies signature (ES256 only: no `none`, no HS256 with the public key), issuer,
 * audience, expiry and not-before, and `token_use`; returns the claims the way API Gateway
 * hands them to a function: as strings.
 */
export async function createVerifier(keyDir: string): Promise<Verifier> {
  const { issuerPublicJwk } = readLocalKeyMaterial(keyDir);
  const key = await importJWK(issuerPublicJwk, 'ES256');
  const issuer = issuerOf(issuerPublicJwk.kid);
  return async (token) => {
    const { payload, protectedHeader } = await jwtVerify(token, key, {
      algorithms: ['ES256'],
      issuer,
      audience: LOCAL_AUDIENCE,
      requiredClaims: ['exp', 'iat', 'sub'],
      clockTolerance: 5,
    }).catch((error: unknown) => {
      // jose checks the signature before the claims: only a token this issuer signed gets here.
      throw error instanceof errors.JWTExpired ? new TokenExpiredError({ cause: error }) : error;
    });
    if (protectedHeader.kid !== issuerPublicJwk.kid) throw new Error('unknown key id');
    if (payload.token_use !== 'id') throw new Error('not an ID token');
    const claims: Record<string, string> = {};
    for (const [name, value] of Object.entries(payload)) {
      claims[name] = Array.isArray(value) ? value.join(',') : String(value);
    }
    return claims;
  };
}
