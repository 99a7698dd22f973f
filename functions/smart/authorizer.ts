import type { APIGatewayAuthorizerResult, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { authorizeToken, awsTokenIssuers } from '../../shared/auth/api-tokens.ts';
import { smartAuthorizerConfig } from '../../shared/config.ts';

const config = smartAuthorizerConfig();

// At module scope: the pool's JWKS and the token key's public half are fetched once per container.
const issuers = awsTokenIssuers({
  region: config.AWS_REGION,
  userPoolIssuer: config.USER_POOL_ISSUER,
  clientIds: config.USER_POOL_CLIENT_IDS,
  tokenIssuer: config.TOKEN_ISSUER,
  tokenKeyArn: config.TOKEN_KEY_ARN,
});

/**
 * API Gateway TOKEN authorizer of every `jwt` method · the Authorization header's bearer token ·
 * not audited (the function it lets through audits the access) · Allow with the claims, or 401.
 * Nothing of the token is logged.
 */
export const handler = (event: APIGatewayTokenAuthorizerEvent): Promise<APIGatewayAuthorizerResult> =>
  authorizeToken(event, issuers);
