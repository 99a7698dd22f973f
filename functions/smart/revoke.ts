import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { smartTokenStateConfig } from '../../shared/config.ts';
import { answerRevoke, tokenStateEndpoint } from '../../shared/http/smart-introspection.ts';

const endpoint = tokenStateEndpoint(smartTokenStateConfig());

/**
 * POST /auth/revoke · a SMART app (client_id) revoking its refresh token at Cognito · not
 * audited · 200 (RFC 7009), 400 unsupported_token_type for a backend service's token, 401.
 */
export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  answerRevoke(event, endpoint);
