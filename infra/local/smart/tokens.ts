import { randomUUID } from 'node:crypto';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import { type IssuerPublicJwk, readLocalKeyMaterial } from '../../../shared/crypto/local-keys.ts';
import type { Grant } from './grants.ts';
import type { LocalUser } from './users.ts';

/** As the stack configures Cognito's tokens. */
export const ACCESS_TOKEN_LIFETIME_SECONDS = 15 * 60;
/** SMART Backend Services: "should not exceed five minutes". */
export const BACKEND_TOKEN_LIFETIME_SECONDS = 5 * 60;

type Key = Awaited<ReturnType<typeof importJWK>>;

/** The data dir's issuer key (the one `npm run token` signs with), both halves imported once. */
export interface IssuerKey {
  key: Key;
  publicKey: Key;
  publicJwk: IssuerPublicJwk;
}

export async function issuerKey(keyDir: string): Promise<IssuerKey> {
  const { issuerPrivateJwk, issuerPublicJwk } = readLocalKeyMaterial(keyDir);
  return {
    key: await importJWK(issuerPrivateJwk, 'ES256'),
    publicKey: await importJWK(issuerPublicJwk, 'ES256'),
    publicJwk: issuerPublicJwk,
  };
}

/** The Cognito claims the API reads today, so existing routes accept a SMART token unchanged. */
export function userClaims(user: LocalUser): JWTPayload {
  return {
    'cognito:groups': [user.role],
    'custom:org': user.org,
    ...(user.patientId ? { 'custom:patientId': user.patientId } : {}),
    ...(user.practitionerId ? { 'custom:practitionerId': user.practitionerId } : {}),
  };
}

export interface IssuedAccessToken {
  token: string;
  jti: string;
  exp: number;
}

/**
 * An access token: issued by the FHIR base URL for the FHIR base URL (`iss` = `aud`), with
 * `token_use: access` so that it is never taken for an ID token, nor one for it.
 */
export async function signAccessToken(
  issuer: IssuerKey,
  grant: Grant,
  user: LocalUser | undefined,
  lifetimeSeconds: number,
): Promise<IssuedAccessToken> {
  const jti = randomUUID();
  const exp = Math.floor(Date.now() / 1000) + lifetimeSeconds;
  const token = await new SignJWT({
    ...(user ? userClaims(user) : {}),
    token_use: 'access',
    client_id: grant.clientId,
    scope: grant.scope,
    ...(grant.patient ? { patient: grant.patient } : {}),
  })
    .setProtectedHeader({ alg: 'ES256', kid: issuer.publicJwk.kid, typ: 'at+jwt' })
    .setIssuer(grant.aud)
    .setSubject(grant.sub ?? grant.clientId)
    .setAudience(grant.aud)
    .setJti(jti)
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(issuer.key);
  return { token, jti, exp };
}

/** The `fhirUser` of a user: their Patient or Practitioner resource, when they have one. */
export function fhirUserOf(user: LocalUser, base: string): string | undefined {
  if (user.role === 'patient' && user.patientId) return `${base}/Patient/${user.patientId}`;
  if (user.practitionerId) return `${base}/Practitioner/${user.practitionerId}`;
  return undefined;
}

/** The OpenID Connect ID token for the client (`aud` = its client_id), never a bearer for the API. */
export async function signIdToken(
  issuer: IssuerKey,
  grant: Grant,
  user: LocalUser,
  fhirUser: string | undefined,
): Promise<string> {
  return new SignJWT({ ...(fhirUser ? { fhirUser } : {}), ...(grant.nonce ? { nonce: grant.nonce } : {}) })
    .setProtectedHeader({ alg: 'ES256', kid: issuer.publicJwk.kid, typ: 'JWT' })
    .setIssuer(grant.aud)
    .setSubject(user.sub)
    .setAudience(grant.clientId)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ACCESS_TOKEN_LIFETIME_SECONDS)
    .sign(issuer.key);
}
