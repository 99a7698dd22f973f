import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { regionalDynamo } from '../../shared/base/dynamo.ts';
import { smartTokenConfig } from '../../shared/config.ts';
import { kmsRs384Signer, regionalKms, tokenKeyId } from '../../shared/crypto/token-key.ts';
import {
  answerToken,
  awsBackendAuthentication,
  oauthLogAt,
  postToManagedLogin,
  type TokenEndpoint,
} from '../../shared/http/smart-token.ts';

const config = smartTokenConfig();

const endpoint: TokenEndpoint = {
  issuer: config.TOKEN_ISSUER,
  ...awsBackendAuthentication({
    fhirBase: config.TOKEN_ISSUER,
    clients: config.SMART_BACKEND_CLIENTS,
    dynamo: regionalDynamo(config.AWS_REGION),
    table: config.RECORDS_TABLE,
  }),
  sign: kmsRs384Signer(regionalKms(config.AWS_REGION), config.TOKEN_KEY_ARN),
  keyId: tokenKeyId(config.TOKEN_KEY_ARN),
  forward: (form) => postToManagedLogin(`${config.AUTHORIZATION_SERVER}/oauth2/token`, form),
  origins: config.SMART_APP_ORIGINS,
  log: oauthLogAt(config.LOG_LEVEL),
};

/**
 * POST /auth/token · any OAuth client (the token endpoint authenticates the client itself) · not
 * audited (no record is touched) · 200 with tokens, 400/401 RFC 6749 errors, Cognito's answer
 * for codes and refresh tokens.
 */
export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  answerToken(event, endpoint);
