import type { InvokeCommand } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { entryEvent, inOrder, lambdaDispatcher, responseEntry } from '../../../shared/http/dispatch.ts';
import { routes } from '../../../shared/routes.ts';

const claims = { sub: 'dr-1', 'cognito:groups': 'clinician', 'custom:org': 'org-1' };

const batchEvent: APIGatewayProxyEvent = {
  resource: '/',
  path: '/',
  httpMethod: 'POST',
  headers: {
    Authorization: 'Bearer x',
    'Idempotency-Key': 'k-1',
    'X-Break-Glass-Reason': 'emergency',
    Host: 'api.example',
  },
  multiValueHeaders: {},
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  pathParameters: null,
  stageVariables: null,
  body: '{}',
  isBase64Encoded: false,
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    authorizer: { claims },
    protocol: 'HTTP/1.1',
    httpMethod: 'POST',
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
      sourceIp: '203.0.113.9',
      user: null,
      userAgent: null,
      userArn: null,
    },
    domainName: 'api.example',
    path: '/prod/',
    stage: 'prod',
    requestId: 'req-1',
    requestTimeEpoch: 0,
    resourceId: 'batch',
    resourcePath: '/',
  },
};

const origin = { event: batchEvent, baseUrl: 'https://api.example/prod', requestId: 'req-1' };

describe('entryEvent', () => {
  it('builds the event API Gateway would send the entry’s route, with the batch caller’s claims', () => {
    const { id, event } = entryEvent(
      origin,
      {
        request: { method: 'PUT', url: 'https://api.example/prod/Patient/p-1?x=1', ifMatch: 'W/"2"' },
        resource: { resourceType: 'Patient' },
      },
      2,
    );
    expect(id).toBe('updatePatient');
    expect(event.path).toBe('/Patient/p-1');
    expect(event.pathParameters).toEqual({ id: 'p-1' });
    expect(event.multiValueQueryStringParameters).toEqual({ x: ['1'] });
    expect(event.requestContext.authorizer?.claims).toEqual(claims);
    expect(event.requestContext.requestId).toBe('req-1-3');
    expect(event.requestContext.path).toBe('/prod/Patient/p-1');
    expect(event.headers).toEqual({
      authorization: 'Bearer x',
      'x-break-glass-reason': 'emergency',
      host: 'api.example',
      'content-type': 'application/fhir+json',
      'if-match': 'W/"2"',
    });
    expect(event.body).toBe('{"resourceType":"Patient"}');
  });

  it('refuses URLs of another server, unknown routes, wrong methods and nested batches', () => {
    const attempt = (method: 'GET' | 'POST', url: string) => () =>
      entryEvent(origin, { request: { method, url } }, 0);
    expect(attempt('GET', 'https://elsewhere.example/prod/Patient/1')).toThrow(/not under this server/);
    expect(attempt('GET', '../Patient/1')).toThrow(/not under this server/);
    expect(attempt('GET', 'Medication/1')).toThrow(/no such route/);
    expect(attempt('GET', '/')).toThrow(/method not allowed/);
    expect(attempt('POST', '/')).toThrow(/a batch cannot contain a batch/);
  });
});

describe('lambdaDispatcher', () => {
  it('invokes the route’s own function by name with the event, and answers its proxy result', async () => {
    const sent: InvokeCommand[] = [];
    const client = {
      send: async (command: InvokeCommand) => {
        sent.push(command);
        return {
          $metadata: {},
          Payload: new TextEncoder().encode(
            JSON.stringify({ statusCode: 200, headers: { ETag: 'W/"1"' }, body: '{}' }),
          ),
        };
      },
    };
    const dispatcher = lambdaDispatcher('FhirRecords-test-', client);
    const { id, def, event } = entryEvent(origin, { request: { method: 'GET', url: 'Patient/p-1' } }, 0);
    const result = await dispatcher.invoke(id, def, event);
    expect(result).toEqual({ statusCode: 200, headers: { ETag: 'W/"1"' }, body: '{}' });
    expect(sent[0]?.input.FunctionName).toBe('FhirRecords-test-readPatient');
    const raw = sent[0]?.input.Payload;
    const payload: unknown = JSON.parse(
      raw instanceof Uint8Array ? new TextDecoder().decode(raw) : String(raw),
    );
    expect(payload).toMatchObject({ path: '/Patient/p-1', requestContext: { authorizer: { claims } } });
  });

  it('answers 502 when the function fails, and refuses public routes and the batch itself', async () => {
    const failing = {
      send: async () => ({ $metadata: {}, FunctionError: 'Unhandled', Payload: new Uint8Array() }),
    };
    const dispatcher = lambdaDispatcher('FhirRecords-test-', failing);
    const { event } = entryEvent(origin, { request: { method: 'GET', url: 'Patient/p-1' } }, 0);
    expect((await dispatcher.invoke('readPatient', routes.readPatient, event)).statusCode).toBe(502);
    await expect(dispatcher.invoke('metadata', routes.metadata, event)).rejects.toThrow(/cannot be used/);
    await expect(dispatcher.invoke('batch', routes.batch, event)).rejects.toThrow(/cannot be used/);
  });
});

describe('responseEntry and inOrder', () => {
  it('keeps the resource of a success and the OperationOutcome of a refusal', () => {
    const created = responseEntry({
      statusCode: 201,
      headers: { Location: 'https://api.example/prod/Patient/1/_history/1', ETag: 'W/"1"' },
      body: JSON.stringify({
        resourceType: 'Patient',
        id: '1',
        meta: { lastUpdated: '2026-11-25T10:00:00.123Z' },
      }),
    });
    expect(created.response).toEqual({
      status: '201 Created',
      location: 'https://api.example/prod/Patient/1/_history/1',
      etag: 'W/"1"',
      lastModified: '2026-11-25T10:00:00.123Z',
    });
    const refused = responseEntry({
      statusCode: 404,
      body: JSON.stringify({ resourceType: 'OperationOutcome', issue: [] }),
    });
    expect(refused.resource).toBeUndefined();
    expect(refused.response).toEqual({
      status: '404 Not Found',
      outcome: { resourceType: 'OperationOutcome', issue: [] },
    });
  });

  it('runs tasks a few at a time and answers in the tasks’ order', async () => {
    let running = 0;
    let peak = 0;
    const tasks = Array.from({ length: 20 }, (_, at) => async () => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((done) => setTimeout(done, (20 - at) % 5));
      running -= 1;
      return at;
    });
    expect(await inOrder(tasks, 4)).toEqual(Array.from({ length: 20 }, (_, at) => at));
    expect(peak).toBe(4);
  });
});
