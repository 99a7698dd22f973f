import { createLocalJWKSet } from 'jose';
import {
  assertionIssuer,
  invalidClient,
  JWT_BEARER,
  verifyClientAssertion,
} from '../../../shared/auth/backend-services.ts';
import { type ClientRegistration, findClient } from './clients.ts';
import type { GrantStore } from './grants.ts';

export interface AuthenticatedClient {
  client: ClientRegistration;
  /** How it proved who it is: `none` is a public client that only named itself. */
  method: 'none' | 'private_key_jwt';
}

const refuse = invalidClient;

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

  const clientId = assertionIssuer(assertion);
  const client = clientId === undefined ? undefined : findClient(dataDir, clientId);
  if (!client?.jwks || client.token_endpoint_auth_method !== 'private_key_jwt') {
    throw refuse('the client_assertion names (iss) no client registered with keys');
  }
  const named = form.get('client_id');
  if (named !== undefined && named !== client.client_id) throw refuse('client_id differs from the assertion');

  const { jti, rememberUntil } = await verifyClientAssertion(
    assertion,
    client.client_id,
    createLocalJWKSet(client.jwks),
    audience,
  );
  // After the signature: a forged assertion cannot use up a real client's jti.
  if (!grants.firstUseOfAssertion(client.client_id, jti, rememberUntil)) {
    throw refuse('the client_assertion was used before (jti)');
  }
  return { client, method: 'private_key_jwt' };
}
