import { SMART_PATHS, smartConfiguration } from '../../../shared/auth/smart-configuration.ts';
import { log } from '../../../shared/base/logger.ts';
import { authorize } from './authorize.ts';
import { GrantStore } from './grants.ts';
import {
  type AuthorizationAnswer,
  type AuthorizationRequest,
  baseUrlOf,
  errorAnswer,
  json,
  OAuthError,
} from './oauth.ts';
import { introspect, revoke, type TokenContext, token } from './token.ts';
import { issuerKey } from './tokens.ts';

export type { AuthorizationAnswer, AuthorizationRequest } from './oauth.ts';

/** Form posts to these endpoints are small; anything larger is not a client's request. */
export const AUTHORIZATION_BODY_LIMIT = 64 * 1024;

type Endpoint = (request: AuthorizationRequest, context: TokenContext) => Promise<AuthorizationAnswer>;

const ENDPOINTS: Readonly<Record<string, Partial<Record<string, Endpoint>>>> = {
  [SMART_PATHS.configuration]: {
    GET: async (request) => json(200, smartConfiguration(baseUrlOf(request))),
  },
  [SMART_PATHS.jwks]: {
    GET: async (_request, context) => ({
      status: 200,
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'max-age=300' },
      body: JSON.stringify({ keys: [context.issuer.publicJwk] }),
    }),
  },
  [SMART_PATHS.authorize]: {
    GET: async (request, context) => authorize(request, context.dataDir, context.grants),
    POST: async (request, context) => authorize(request, context.dataDir, context.grants),
  },
  [SMART_PATHS.token]: { POST: token },
  [SMART_PATHS.introspect]: { POST: introspect },
  [SMART_PATHS.revoke]: { POST: revoke },
};

export interface AuthorizationServer {
  /** Whether `path` is one of the authorization server's (the gateway asks before its route table). */
  serves(path: string): boolean;
  answer(request: AuthorizationRequest): Promise<AuthorizationAnswer>;
  /** For the gateway's verifier: a revoked access token is refused by the API too. */
  isRevoked(jti: string): boolean;
}

/**
 * The local SMART authorization server (App Launch 2.0 and Backend Services) of `npm start`:
 * the data dir's users sign in, the data dir's issuer key signs, the data dir keeps clients,
 * refresh tokens and revocations.
 */
export async function createAuthorizationServer(options: {
  dataDir: string;
  keyDir: string;
}): Promise<AuthorizationServer> {
  const context: TokenContext = {
    dataDir: options.dataDir,
    issuer: await issuerKey(options.keyDir),
    grants: new GrantStore(options.dataDir),
  };
  return {
    serves: (path) => Object.hasOwn(ENDPOINTS, path),
    isRevoked: (jti) => context.grants.isRevoked(jti),
    answer: async (request) => {
      const methods = ENDPOINTS[request.url.pathname] ?? {};
      const endpoint = methods[request.method];
      if (!endpoint) {
        return {
          ...json(405, {
            error: 'invalid_request',
            error_description: `use ${Object.keys(methods).join(' or ')}`,
          }),
          headers: { 'Content-Type': 'application/json', Allow: Object.keys(methods).join(', ') },
        };
      }
      let answer: AuthorizationAnswer;
      try {
        answer = await endpoint(request, context);
      } catch (error) {
        if (!(error instanceof OAuthError)) throw error;
        answer = errorAnswer(error);
      }
      // One line per call, as API Gateway's access log: the endpoint and outcome, no token or code.
      log().info('authorization server', {
        endpoint: `${request.method} ${request.url.pathname}`,
        status: answer.status,
        ...(answer.status >= 400 ? { error: errorCodeOf(answer) } : {}),
      });
      return answer;
    },
  };
}

function errorCodeOf(answer: AuthorizationAnswer): string | undefined {
  try {
    const body: unknown = JSON.parse(answer.body);
    return typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string'
      ? body.error
      : undefined;
  } catch {
    return undefined;
  }
}
