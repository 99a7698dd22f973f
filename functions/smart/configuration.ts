import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { smartConfiguration } from '../../shared/auth/smart-configuration.ts';
import { smartDiscoveryConfig } from '../../shared/config.ts';
import { SECURITY_HEADERS } from '../../shared/http/headers.ts';
import { baseUrlOf, lowerCaseHeaders } from '../../shared/http/middleware/state.ts';

const { USER_POOL_ISSUER } = smartDiscoveryConfig();

/**
 * GET /.well-known/smart-configuration · anyone (SMART discovery is read before any token) · not
 * audited · 200: the endpoints under the base URL called, with the user pool as the ID tokens' issuer.
 */
export const handler = async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => ({
  statusCode: 200,
  headers: {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json',
    'Cache-Control': 'max-age=300',
    'Access-Control-Allow-Origin': '*',
  },
  body: JSON.stringify(
    smartConfiguration(baseUrlOf(event, lowerCaseHeaders(event.headers)), {
      issuer: USER_POOL_ISSUER,
      jwksUri: `${USER_POOL_ISSUER}/.well-known/jwks.json`,
      idTokenAlgorithms: ['RS256'],
    }),
  ),
});
