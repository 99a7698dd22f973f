// The endpoints' paths sit with the route table, beside the paths it serves (the
// CapabilityStatement names them too).
import { SMART_PATHS } from '../routes.ts';
import { NON_RESOURCE_SCOPES } from './scopes.ts';

export { SMART_PATHS };

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

/** The algorithms a backend service may sign its `private_key_jwt` assertion with (SMART Backend Services). */
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'] as const;

export interface SmartConfigurationOptions {
  /** The ID tokens' issuer and its keys, when not the base URL (Cognito's in AWS). */
  issuer?: string;
  jwksUri?: string;
  idTokenAlgorithms?: readonly string[];
}

/** `GET /.well-known/smart-configuration`: the endpoints under the base URL the client called. */
export function smartConfiguration(
  base: string,
  options: SmartConfigurationOptions = {},
): Record<string, unknown> {
  return {
    issuer: options.issuer ?? base,
    jwks_uri: options.jwksUri ?? `${base}${SMART_PATHS.jwks}`,
    authorization_endpoint: `${base}${SMART_PATHS.authorize}`,
    token_endpoint: `${base}${SMART_PATHS.token}`,
    introspection_endpoint: `${base}${SMART_PATHS.introspect}`,
    revocation_endpoint: `${base}${SMART_PATHS.revoke}`,
    grant_types_supported: ['authorization_code', 'client_credentials', 'refresh_token'],
    response_types_supported: ['code'],
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGORITHMS],
    id_token_signing_alg_values_supported: [...(options.idTokenAlgorithms ?? ['ES256'])],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [
      ...NON_RESOURCE_SCOPES,
      ...['patient', 'user', 'system'].flatMap((context) => [`${context}/*.cruds`, `${context}/*.rs`]),
    ],
    capabilities: [...CAPABILITIES],
  };
}
