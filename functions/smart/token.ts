import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { createLocalJWKSet, createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { SMART_PATHS } from '../../shared/auth/smart-configuration.ts';
import { regionalDynamo } from '../../shared/base/dynamo.ts';
import { type BackendClient, smartTokenConfig } from '../../shared/config.ts';
import { kmsRs384Signer, regionalKms, tokenKeyId } from '../../shared/crypto/token-key.ts';
import { answerToken, type TokenEndpoint } from '../../shared/http/smart-token.ts';
import { firstUseOfAssertion } from '../../shared/store/assertion-replay.ts';

const config = smartTokenConfig();
const dynamo = regionalDynamo(config.AWS_REGION);
const keySets = new Map<string, JWTVerifyGetKey>();

const endpoint: TokenEndpoint = {
  issuer: config.TOKEN_ISSUER,
  url: `${config.TOKEN_ISSUER}${SMART_PATHS.token}`,
  clients: config.SMART_BACKEND_CLIENTS,
  // A client's JWKS URL is fetched when first needed and cached by jose (cooldown 30 s).
  keysOf: (client: BackendClient) => {
    let keys = keySets.get(client.clientId);
    if (!keys) {
      keys = client.jwks
        ? createLocalJWKSet({ keys: client.jwks.keys })
        : createRemoteJWKSet(new URL(client.jwksUrl ?? ''));
      keySets.set(client.clientId, keys);
    }
    return keys;
  },
  firstUse: (clientId, jti, until) => firstUseOfAssertion(dynamo, config.RECORDS_TABLE, clientId, jti, until),
  sign: kmsRs384Signer(regionalKms(config.AWS_REGION), config.TOKEN_KEY_ARN),
  keyId: tokenKeyId(config.TOKEN_KEY_ARN),
  forward: async (form) => {
    const response = await fetch(`${config.AUTHORIZATION_SERVER}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form,
      signal: AbortSignal.timeout(5000),
    });
    return { status: response.status, body: await response.text() };
  },
  origins: config.SMART_APP_ORIGINS,
};

/**
 * POST /auth/token · any OAuth client (the token endpoint authenticates the client itself) · not
 * audited (no record is touched) · 200 with tokens, 400/401 RFC 6749 errors, Cognito's answer
 * for codes and refresh tokens.
 */
export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  answerToken(event, endpoint);
