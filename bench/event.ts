import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { lambdaContext as invocationContext, proxyEvent } from '../shared/http/proxy-event.ts';
import type { Call } from './workloads.ts';

/** The verified claims the stack's Lambda authorizer hands a function (shared/auth/api-tokens.ts). */
export const claimsOf = (principal: { sub: string; role: string; org: string }): Record<string, string> => ({
  sub: principal.sub,
  'cognito:groups': principal.role,
  'custom:org': principal.org,
  token_use: 'id',
});

/** The REST proxy event (payload 1.0) API Gateway sends for one call, as the local gateway builds it. */
export function apiEvent(call: Call, claims: Record<string, string>): APIGatewayProxyEvent {
  const path = call.path.split('?')[0] ?? call.path;
  return proxyEvent({
    method: call.method,
    resource: call.resource,
    path,
    headers: {
      host: 'api.bench.local',
      'user-agent': 'fhir-records-bench',
      'x-forwarded-proto': 'https',
      ...call.headers,
    },
    query: new Map(Object.entries(call.query ?? {}).map(([name, value]) => [name, [value]])),
    ...(call.pathParameters ? { pathParameters: call.pathParameters } : {}),
    body: call.body ?? null,
    claims,
    sourceIp: '127.0.0.1',
    requestId: randomUUID(),
    stage: 'bench',
    domainName: 'api.bench.local',
    accountId: '000000000000',
  });
}

export const lambdaContext = (functionName: string, memoryLimitInMB: number): Context =>
  invocationContext(functionName, randomUUID(), memoryLimitInMB, 10_000);
