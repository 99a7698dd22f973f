import { createLocalJWKSet, decodeJwt, errors, jwtVerify } from 'jose';
import { ASSERTION_ALGORITHMS } from '../../../shared/auth/smart-configuration.ts';
import { type ClientRegistration, findClient } from './clients.ts';
import type { GrantStore } from './grants.ts';
import { OAuthError } from './oauth.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** SMART Backend Services: an assertion's `exp` is at most five minutes in the future. */
const MAX_ASSERTION_SECONDS = 5 * 60;
const CLOCK_TOLERANCE_SECONDS = 5;

export interface AuthenticatedClient {
  client: ClientRegistration;
  /** How it proved who it is: `none` is a public client that only named itself. */
  method: 'none' | 'private_key_jwt';
}

const refuse = (description: string) => new OAuthError('invalid_client', description, 401);

/**
 * Who is calling the token, introspection or revocation endpoint: a confidential client by a
 * `private_key_jwt` assertion (RFC 7523) verified against its registered JWKS, or a public
 * client by its `client_id` alone. `audience` is the token endpoint's URL, the one `aud` SMART
 * asks clients to use for every endpoint.
 */
export async function authenticateClient(
  form: ReadonlyMap<string, string>,
  dataDir: string,
  grants: GrantStore,
  audience: string,
): Promise<AuthenticatedClient> {
  const assertionType = form.get('client_assertion_type');
  const assertion = form.get('client_assertion');
  if (assertionType === undefined && assertion === undefined) {
    const clientId = form.get('client_id');
    if (!clientId) {
      throw refuse('authenticate: client_id for a public client, a client_assertion for a confidential one');
    }
    const client = findClient(dataDir, clientId);
    if (!client) throw refuse('no client is registered with this client_id');
    if (client.token_endpoint_auth_method !== 'none') {
      throw refuse('this client is confidential: authenticate with a private_key_jwt client_assertion');
    }
    return { client, method: 'none' };
  }
  if (assertionType !== JWT_BEARER) throw refuse(`client_assertion_type must be ${JWT_BEARER}`);
  if (!assertion) throw refuse('client_assertion is required with client_assertion_type');

  let clientId: unknown;
  try {
    clientId = decodeJwt(assertion).iss;
  } catch {
    throw refuse('the client_assertion is not a JWT');
  }
  const client = typeof clientId === 'string' ? findClient(dataDir, clientId) : undefined;
  if (!client?.jwks || client.token_endpoint_auth_method !== 'private_key_jwt') {
    throw refuse('the client_assertion names (iss) no client registered with keys');
  }
  const named = form.get('client_id');
  if (named !== undefined && named !== client.client_id) throw refuse('client_id differs from the assertion');

  let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload } = await jwtVerify(assertion, createLocalJWKSet(client.jwks), {
      algorithms: [...ASSERTION_ALGORITHMS],
      issuer: client.client_id,
      subject: client.client_id,
      audience,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (error) {
    throw refuse(`the client_assertion is refused: ${assertionFault(error)}`);
  }
  const now = Math.floor(Date.now() / 1000);
  const exp = payload.exp ?? 0;
  if (exp - now > MAX_ASSERTION_SECONDS + CLOCK_TOLERANCE_SECONDS) {
    throw refuse('the client_assertion lives longer than 5 minutes (exp)');
  }
  if (typeof payload.iat === 'number' && exp - payload.iat > MAX_ASSERTION_SECONDS) {
    throw refuse('the client_assertion lives longer than 5 minutes (exp - iat)');
  }
  const jti = payload.jti ?? '';
  if (jti.length === 0 || jti.length > 255)
    throw refuse('the client_assertion needs a jti of 1 to 255 characters');
  // After the signature: a forged assertion cannot use up a real client's jti.
  if (!grants.firstUseOfAssertion(client.client_id, jti, exp + CLOCK_TOLERANCE_SECONDS)) {
    throw refuse('the client_assertion was used before (jti)');
  }
  return { client, method: 'private_key_jwt' };
}

/** Why jose refused an assertion, in words that name no key material. */
function assertionFault(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `its "${error.claim}" claim is not valid`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `sign it with ${ASSERTION_ALGORITHMS.join(' or ')}`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no registered key matches its kid and alg';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'several registered keys match: give a kid';
  return 'its signature does not verify with the registered keys';
}
