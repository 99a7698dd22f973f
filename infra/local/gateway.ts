import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type { HttpError } from '../../shared/http/errors.ts';
import {
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../../shared/http/errors.ts';
import { log } from '../../shared/http/logger.ts';
import { corsHeaders, serialize } from '../../shared/http/serialize.ts';
import { type RouteDef, type RouteId, routeEntries } from '../../shared/routes.ts';
import { docsResponse, isDocsPath } from './docs.ts';
import type { Verifier } from './issuer.ts';

/** API Gateway's own payload limit; the handlers enforce the smaller configured one. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

type LambdaHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

interface CompiledRoute {
  id: RouteId;
  def: RouteDef;
  pattern: RegExp;
  names: string[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/Patient/{id}/_history/{vid}` -> a regular expression with named segments. */
export function compileRoutes(entries = routeEntries()): CompiledRoute[] {
  return entries.map(([id, def]) => {
    const names: string[] = [];
    const source = def.path
      .split('/')
      .map((segment) => {
        const param = /^\{(\w+)\}$/.exec(segment);
        if (param?.[1]) {
          names.push(param[1]);
          return '([^/]+)';
        }
        return escapeRegExp(segment);
      })
      .join('/');
    return { id, def, pattern: new RegExp(`^${source}/?$`), names };
  });
}

export interface GatewayOptions {
  root: string;
  verify: Verifier;
  stage?: string;
}

/**
 * Stands in for API Gateway: matches the route table, verifies the bearer token as the
 * Cognito authorizer would, and calls the route's real Lambda handler with the REST proxy
 * event (payload 1.0) that AWS would send.
 */
export function createGateway(options: GatewayOptions): Server {
  const compiled = compileRoutes();
  const modules = new Map<string, Promise<LambdaHandler>>();

  const load = (def: RouteDef): Promise<LambdaHandler> => {
    let loaded = modules.get(def.handler);
    if (!loaded) {
      loaded = import(pathToFileURL(resolve(options.root, def.handler)).href).then((module: unknown) => {
        if (
          typeof module === 'object' &&
          module !== null &&
          'handler' in module &&
          typeof module.handler === 'function'
        ) {
          const handler = module.handler;
          return (event: APIGatewayProxyEvent, context: Context) => Promise.resolve(handler(event, context));
        }
        throw new Error(`${def.handler} does not export a handler`);
      });
      // A failed import is not kept: the next request tries again (as a new Lambda container would).
      loaded.catch(() => modules.delete(def.handler));
      modules.set(def.handler, loaded);
    }
    return loaded;
  };

  return createServer((req, res) => {
    serve(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'fatal', code: 'exception' }],
        }),
      );
    });
  });

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = singleHeaders(req);

    const reject = (error: HttpError) => send(res, serialize(error, headers, requestId));

    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...corsHeaders(headers.origin),
        ...(corsHeaders(headers.origin)['Access-Control-Allow-Origin']
          ? {
              'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
              'Access-Control-Allow-Headers':
                'Authorization, Content-Type, If-Match, Idempotency-Key, Prefer, X-Break-Glass-Reason',
              'Access-Control-Max-Age': '600',
            }
          : {}),
      });
      res.end();
      return;
    }

    if (method === 'GET' && isDocsPath(url.pathname)) {
      const page = docsResponse(url.pathname);
      res.writeHead(page.status, page.headers);
      res.end(page.body);
      return;
    }

    const pathMatches = compiled.filter((route) => route.pattern.test(url.pathname));
    if (pathMatches.length === 0) return reject(new NotFoundError('no such route'));
    const matched = pathMatches.find((route) => route.def.method === method);
    if (!matched) return reject(new MethodNotAllowedError(pathMatches.map((route) => route.def.method)));

    let body: string;
    try {
      body = await readBody(req, GATEWAY_BODY_LIMIT);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return reject(error);
      throw error;
    }

    let claims: Record<string, string> | undefined;
    if (matched.def.auth === 'jwt') {
      const token = /^Bearer\s+(\S+)$/i.exec(headers.authorization ?? '')?.[1];
      if (!token) {
        log().warn('authentication failed', {
          requestId,
          route: `${matched.def.method} ${matched.def.path}`,
          reason: 'no bearer token',
          sourceIp: req.socket.remoteAddress,
        });
        return reject(new UnauthorizedError());
      }
      try {
        claims = await options.verify(token);
      } catch (error) {
        // What API Gateway's access log records for a refused token: no token, no claims.
        log().warn('authentication failed', {
          requestId,
          route: `${matched.def.method} ${matched.def.path}`,
          reason: error instanceof Error ? error.name : 'unknown',
          sourceIp: req.socket.remoteAddress,
        });
        return reject(new UnauthorizedError('the bearer token is not valid'));
      }
    }

    const values = matched.pattern.exec(url.pathname)?.slice(1) ?? [];
    const pathParameters: Record<string, string> = {};
    matched.names.forEach((name, index) => {
      pathParameters[name] = decodeURIComponent(values[index] ?? '');
    });
    // A Map, not an object: parameter names such as `toString` or `__proto__` are data here.
    const repeated = new Map<string, string[]>();
    for (const [name, value] of url.searchParams) repeated.set(name, [...(repeated.get(name) ?? []), value]);
    const multiQuery = Object.fromEntries(repeated);

    const event: APIGatewayProxyEvent = {
      resource: matched.def.path,
      path: url.pathname,
      httpMethod: method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: url.searchParams.size > 0 ? multiQuery : null,
      pathParameters: matched.names.length > 0 ? pathParameters : null,
      stageVariables: null,
      body: body.length > 0 ? body : null,
      isBase64Encoded: false,
      requestContext: {
        accountId: 'local',
        apiId: 'local',
        authorizer: claims ? { claims } : null,
        protocol: 'HTTP/1.1',
        httpMethod: method,
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
          sourceIp: req.socket.remoteAddress ?? 'unknown',
          user: null,
          userAgent: headers['user-agent'] ?? null,
          userArn: null,
        },
        domainName: headers.host ?? 'localhost',
        path: url.pathname,
        stage: options.stage ?? 'local',
        requestId,
        requestTimeEpoch: Date.now(),
        resourceId: matched.id,
        resourcePath: matched.def.path,
      },
    };
    event.headers['x-forwarded-proto'] = 'http';

    const handler = await load(matched.def);
    const result = await handler(event, lambdaContext(matched.id, requestId));
    send(res, asProxyResult(result));
  }
}

function lambdaContext(functionName: string, awsRequestId: string): Context {
  const deadline = Date.now() + 29_000;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function singleHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  return headers;
}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new PayloadTooLargeError(limit);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function asProxyResult(value: unknown): APIGatewayProxyResult {
  if (
    typeof value === 'object' &&
    value !== null &&
    'statusCode' in value &&
    typeof value.statusCode === 'number' &&
    'body' in value &&
    typeof value.body === 'string'
  ) {
    const headers: Record<string, string> = {};
    if ('headers' in value && typeof value.headers === 'object' && value.headers !== null) {
      for (const [name, header] of Object.entries(value.headers)) headers[name] = String(header);
    }
    return { statusCode: value.statusCode, headers, body: value.body };
  }
  // What API Gateway answers when a function returns something it cannot use.
  return {
    statusCode: 502,
    headers: { 'Content-Type': 'application/fhir+json' },
    body: JSON.stringify({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'exception' }],
    }),
  };
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}
