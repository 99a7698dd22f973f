import { NON_RESOURCE_SCOPES } from '../../../shared/auth/scopes.ts';
import { ASSERTION_ALGORITHMS } from './clients.ts';

/** What SMART App Launch 2.0 §"SMART on FHIR Well-Known Configuration" asks for, and what is built. */
export const CAPABILITIES = [
  'launch-standalone',
  'client-public',
  'client-confidential-asymmetric',
  'context-standalone-patient',
  'permission-v2',
  'permission-v1',
  'permission-patient',
  'permission-user',
  'permission-offline',
  'sso-openid-connect',
] as const;

/** `GET /.well-known/smart-configuration`: the endpoints under the base URL the client called. */
export function smartConfiguration(base: string): Record<string, unknown> {
  return {
    issuer: base,
    jwks_uri: `${base}/auth/jwks`,
    authorization_endpoint: `${base}/auth/authorize`,
    token_endpoint: `${base}/auth/token`,
    introspection_endpoint: `${base}/auth/introspect`,
    revocation_endpoint: `${base}/auth/revoke`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    id_token_signing_alg_values_supported: ['ES256'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      ...NON_RESOURCE_SCOPES,
      ...['patient', 'user', 'system'].flatMap((context) => [`${context}/*.cruds`, `${context}/*.rs`]),
    ],
    capabilities: [...CAPABILITIES],
  };
}
