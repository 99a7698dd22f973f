import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { smartTokenStateConfig } from '../../shared/config.ts';
import { answerIntrospect, tokenStateEndpoint } from '../../shared/http/smart-introspection.ts';

const endpoint = tokenStateEndpoint(smartTokenStateConfig());

/**
 * POST /auth/introspect · a backend service (private_key_jwt: its organization's tokens) or a
 * SMART app (client_id: its own tokens) · not audited (no record is touched) · 200 RFC 7662
 * answer, 401 invalid_client.
 */
export const handler = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  answerIntrospect(event, endpoint);
