import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { createRemoteJWKSet } from 'jose';
import { type ApiTokenIssuers, authorizeToken } from '../../shared/auth/api-tokens.ts';
import { smartAuthorizerConfig } from '../../shared/config.ts';
import { cachedPublicKey, regionalKms } from '../../shared/crypto/token-key.ts';

const config = smartAuthorizerConfig();

// At module scope: the pool's JWKS and the token key's public half are fetched once per container.
const issuers: ApiTokenIssuers = {
  userPool: {
    issuer: config.USER_POOL_ISSUER,
    clientIds: config.USER_POOL_CLIENT_IDS,
    keys: createRemoteJWKSet(new URL(`${config.USER_POOL_ISSUER}/.well-known/jwks.json`)),
  },
  backend: {
    issuer: config.TOKEN_ISSUER,
    key: cachedPublicKey(regionalKms(config.AWS_REGION), config.TOKEN_KEY_ARN),
  },
};

/**
 * API Gateway TOKEN authorizer of every `jwt` method · the Authorization header's bearer token ·
 * not audited (the function it lets through audits the access) · Allow with the claims, or 401.
 * Nothing of the token is logged.
 */
export const handler = (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorizeToken(event, issuers);
