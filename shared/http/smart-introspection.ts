import type { JWTPayload } from 'jose';
import {
  type ApiTokenIssuers,
  awsTokenIssuers,
  TokenRefusedError,
  verifyApiToken,
} from '../auth/api-tokens.ts';
import { invalidClient } from '../auth/backend-services.ts';
import { OAuthError, required } from '../auth/oauth.ts';
import { regionalDynamo } from '../base/dynamo.ts';
import type { BackendClient, SmartTokenStateConfig } from '../config.ts';
import type { Event, Result } from './middleware/state.ts';
import {
  authenticatedBackend,
  awsBackendAuthentication,
  type BackendAuthentication,
  type ManagedLoginAnswer,
  type OAuthLog,
  oauthAnswer,
  oauthLogAt,
  postToManagedLogin,
} from './smart-token.ts';

/** What introspection and revocation stand on in AWS, besides backend authentication. */
export interface TokenStateEndpoint extends BackendAuthentication {
  /** The SMART apps' Cognito app clients (public: they authenticate by `client_id` alone). */
  appClientIds: readonly string[];
  issuers: ApiTokenIssuers;
  /** Cognito's `/oauth2/revoke` answer to the same form. */
  revokeAtCognito: (form: string) => Promise<ManagedLoginAnswer>;
  origins: readonly string[];
  log: OAuthLog;
}

/** The endpoint in AWS, from the functions' configuration. */
export const tokenStateEndpoint = (config: SmartTokenStateConfig): TokenStateEndpoint => ({
  ...awsBackendAuthentication({
    fhirBase: config.TOKEN_ISSUER,
    clients: config.SMART_BACKEND_CLIENTS,
    dynamo: regionalDynamo(config.AWS_REGION),
    table: config.RECORDS_TABLE,
  }),
  appClientIds: config.SMART_APP_CLIENT_IDS,
  issuers: awsTokenIssuers({
    region: config.AWS_REGION,
    userPoolIssuer: config.USER_POOL_ISSUER,
    clientIds: config.USER_POOL_CLIENT_IDS,
    tokenIssuer: config.TOKEN_ISSUER,
    tokenKeyArn: config.TOKEN_KEY_ARN,
  }),
  revokeAtCognito: (form) => postToManagedLogin(`${config.AUTHORIZATION_SERVER}/oauth2/revoke`, form),
  origins: config.SMART_APP_ORIGINS,
  log: oauthLogAt(config.LOG_LEVEL),
});

type Caller = { kind: 'backend'; client: BackendClient } | { kind: 'app'; clientId: string };

/** Who asks: a backend service by its assertion, or a SMART app by its public `client_id`. */
async function callerOf(form: ReadonlyMap<string, string>, endpoint: TokenStateEndpoint): Promise<Caller> {
  if (form.has('client_assertion') || form.has('client_assertion_type')) {
    return { kind: 'backend', client: await authenticatedBackend(form, endpoint) };
  }
  const clientId = form.get('client_id');
  if (!clientId) {
    throw invalidClient('authenticate: client_id for a public app, a client_assertion for a backend service');
  }
  if (!endpoint.appClientIds.includes(clientId))
    throw invalidClient('no app is registered with this client_id');
  return { kind: 'app', clientId };
}

/** A backend service learns about its organization's tokens, an app about its own only. */
function visibleTo(caller: Caller, claims: JWTPayload): boolean {
  if (caller.kind === 'backend') return claims['custom:org'] === caller.client.org;
  return (claims.token_use === 'id' ? claims.aud : claims.client_id) === caller.clientId;
}

/**
 * `POST /auth/introspect` (RFC 7662) in AWS: whether a token the API would take is active, and
 * what it grants, for a caller allowed to know; `{"active": false}` for anything else, as the
 * RFC asks (it does not say why). Cognito's refresh tokens are opaque to anyone but Cognito, so
 * they are never reported active here.
 */
export const answerIntrospect = (event: Event, endpoint: TokenStateEndpoint): Promise<Result> =>
  oauthAnswer(event, endpoint, async (form) => {
    const caller = await callerOf(form, endpoint);
    const token = required(form, 'token');
    let claims: JWTPayload;
    try {
      claims = await verifyApiToken(token, endpoint.issuers);
    } catch (error) {
      if (error instanceof TokenRefusedError) return [200, { active: false }];
      throw error;
    }
    if (!visibleTo(caller, claims)) return [200, { active: false }];
    return [
      200,
      {
        active: true,
        token_type: 'Bearer',
        ...(typeof claims.scope === 'string' ? { scope: claims.scope } : {}),
        client_id: claims.token_use === 'id' ? claims.aud : claims.client_id,
        sub: claims.sub,
        exp: claims.exp,
        iat: claims.iat,
        iss: claims.iss,
        ...(typeof claims.patient === 'string' ? { patient: claims.patient } : {}),
      },
    ];
  });

/**
 * `POST /auth/revoke` (RFC 7009) in AWS: an app's refresh token is revoked by Cognito (which
 * ends the access tokens refreshed from it at Cognito's endpoints); a backend service's access
 * token is not revocable (it lives five minutes), so it is `unsupported_token_type`.
 */
export const answerRevoke = (event: Event, endpoint: TokenStateEndpoint): Promise<Result> =>
  oauthAnswer(event, endpoint, async (form, raw) => {
    const caller = await callerOf(form, endpoint);
    required(form, 'token');
    if (caller.kind === 'backend') {
      throw new OAuthError(
        'unsupported_token_type',
        'a backend service’s access token is not revocable: it expires five minutes after it was issued',
      );
    }
    const answer = await endpoint.revokeAtCognito(raw);
    return [answer.status, answer.status === 200 ? undefined : answer.body];
  });
