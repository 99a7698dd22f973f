import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

/** What varies between two REST proxy events (payload 1.0) as API Gateway sends them. */
export interface ProxyRequest {
  method: string;
  /** The route's path template, e.g. `/Patient/{id}`. */
  resource: string;
  /** The path as called, without the stage. */
  path: string;
  headers: Record<string, string>;
  /** Repeated names keep every value, in order. */
  query?: ReadonlyMap<string, string[]>;
  pathParameters?: Record<string, string>;
  body?: string | null;
  /** The verified claims, or none for a public route: handed on as the stack's Lambda authorizer does. */
  claims?: Record<string, unknown>;
  sourceIp: string;
  requestId: string;
  stage: string;
  domainName: string;
  resourceId?: string;
  accountId?: string;
}

/**
 * The event API Gateway's REST proxy integration hands a function: one builder for the
 * local gateway, the benchmarks and the tests, so that they all send what AWS sends.
 */
export function proxyEvent(request: ProxyRequest): APIGatewayProxyEvent {
  const query = request.query && request.query.size > 0 ? request.query : undefined;
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method,
    headers: request.headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, [value]]),
    ),
    // Entries, not assignments: names such as `toString` or `__proto__` are data here.
    queryStringParameters: query
      ? Object.fromEntries([...query].map(([name, values]) => [name, values.at(-1) ?? '']))
      : null,
    multiValueQueryStringParameters: query ? Object.fromEntries(query) : null,
    pathParameters:
      request.pathParameters && Object.keys(request.pathParameters).length > 0
        ? request.pathParameters
        : null,
    stageVariables: null,
    body: request.body && request.body.length > 0 ? request.body : null,
    isBase64Encoded: false,
    requestContext: {
      accountId: request.accountId ?? 'local',
      apiId: 'local',
      authorizer: request.claims
        ? { principalId: String(request.claims.sub), claims: JSON.stringify(request.claims) }
        : null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method,
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
        sourceIp: request.sourceIp,
        user: null,
        userAgent: request.headers['user-agent'] ?? null,
        userArn: null,
      },
      domainName: request.domainName,
      path: request.path,
      stage: request.stage,
      requestId: request.requestId,
      requestTimeEpoch: Date.now(),
      resourceId: request.resourceId ?? request.resource,
      resourcePath: request.resource,
    },
  };
}

/** The Lambda context of one invocation. */
export function lambdaContext(
  functionName: string,
  awsRequestId: string,
  memoryMb = 512,
  timeoutMs = 29_000,
): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
