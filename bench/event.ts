import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { Call } from './workloads.ts';

/** Claims as API Gateway's Cognito authorizer hands them to a function: strings. */
export const claimsOf = (principal: { sub: string; role: string; org: string }): Record<string, string> => ({
  sub: principal.sub,
  'cognito:groups': principal.role,
  'custom:org': principal.org,
  token_use: 'id',
});

/** The REST proxy event (payload 1.0) API Gateway sends for one call, as the local gateway builds it. */
export function apiEvent(call: Call, claims: Record<string, string>): APIGatewayProxyEvent {
  const requestId = randomUUID();
  const headers: Record<string, string> = {
    host: 'api.bench.local',
    'user-agent': 'fhir-records-bench',
    'x-forwarded-proto': 'https',
    ...call.headers,
  };
  const query = call.query && Object.keys(call.query).length > 0 ? call.query : null;
  return {
    resource: call.resource,
    path: call.path.split('?')[0] ?? call.path,
    httpMethod: call.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: query,
    multiValueQueryStringParameters: query
      ? Object.fromEntries(Object.entries(query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: call.pathParameters ?? null,
    stageVariables: null,
    body: call.body ?? null,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      authorizer: { claims },
      protocol: 'HTTP/1.1',
      httpMethod: call.method,
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '127.0.0.1',
        user: null,
        userAgent: 'fhir-records-bench',
        userArn: null,
      },
      domainName: 'api.bench.local',
      path: call.path.split('?')[0] ?? call.path,
      stage: 'bench',
      requestId,
      requestTimeEpoch: Date.now(),
      resourceId: 'bench',
      resourcePath: call.resource,
    },
  };
}

export function lambdaContext(functionName: string, memoryLimitInMB: number): Context {
  const deadline = Date.now() + 10_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryLimitInMB),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
