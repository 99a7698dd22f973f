import { join } from 'node:path';
import { importJWK, type JWTPayload, SignJWT } from 'jose';
import { issuerOf, LOCAL_AUDIENCE } from '../../infra/local/issuer.ts';
import { readLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { dataDir } from './api.ts';

/**
 * A validly signed local ID token with exactly the claims given, for tokens the issuer's
 * `mintToken` refuses to make (no group, several groups, an unknown group).
 */
export async function tokenWithClaims(sub: string, claims: JWTPayload): Promise<string> {
  const { issuerPrivateJwk } = readLocalKeyMaterial(join(dataDir(), 'keys'));
  const key = await importJWK(issuerPrivateJwk, 'ES256');
  return new SignJWT({ token_use: 'id', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: issuerPrivateJwk.kid, typ: 'JWT' })
    .setSubject(sub)
    .setIssuer(issuerOf(issuerPrivateJwk.kid))
    .setAudience(LOCAL_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + 15 * 60)
    .sign(key);
}
