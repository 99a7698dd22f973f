import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { smartLoginConfig } from '../../shared/config.ts';
import { answerAuthorize } from '../../shared/http/smart-authorize.ts';

const { SMART_CLIENTS, AUTHORIZATION_SERVER } = smartLoginConfig();

/**
 * GET /auth/authorize · anyone (the OAuth authorization endpoint is public) · not audited (no
 * record is touched; Cognito logs the sign-in) · 302 to Cognito's managed login, 302 back to
 * the app with `error`, 400 when the client or its redirect URI is unknown.
 */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> =>
  answerAuthorize(event, { clients: SMART_CLIENTS, authorizationServer: AUTHORIZATION_SERVER });
