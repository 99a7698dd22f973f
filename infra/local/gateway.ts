import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyResult } from 'aws-lambda';
import type { HttpError } from '../../shared/base/errors.ts';
import {
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
} from '../../shared/base/errors.ts';
import { log } from '../../shared/base/logger.ts';
import { useDispatcher } from '../../shared/http/dispatch.ts';
import { CORS_ALLOW_HEADERS } from '../../shared/http/headers.ts';
import { proxyEvent } from '../../shared/http/proxy-event.ts';
import { toHttpError } from '../../shared/http/request.ts';
import { assertPercentEncoding, compileRoutes, pathParametersOf } from '../../shared/http/route-match.ts';
import { corsHeaders, serialize } from '../../shared/http/serialize.ts';
import { type HandlerModule, inProcessDispatcher } from './dispatch.ts';
import { docsResponse, isDocsPath } from './docs.ts';
import { TokenExpiredError } from './errors.ts';
import type { Verifier } from './issuer.ts';

/** API Gateway's own payload limit; the handlers enforce the smaller configured one. */
const GATEWAY_BODY_LIMIT = 10 * 1024 * 1024;

export interface GatewayOptions {
  root: string;
  verify: Verifier;
  /** Where each route's handler is: its source file under `root` unless given. */
  handlerModule?: HandlerModule;
  stage?: string;
}

/**
 * Stands in for API Gateway: matches the route table, verifies the bearer token as the
 * Cognito authorizer would, and calls the route's real Lambda handler with the REST proxy
 * event (payload 1.0) that AWS would send.
 */
export function createGateway(options: GatewayOptions): Server {
  const compiled = compileRoutes();
  // The same in-process invocation the batch route uses locally: one module cache, one context.
  const functions = inProcessDispatcher(options.root, options.handlerModule);
  useDispatcher(functions);

  const server = createServer((req, res) => {
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
  // Idle keep-alive sockets stay open for a minute, as behind API Gateway: with Node's 5 s
  // default a client whose event loop was busy for a few seconds reuses a socket the server
  // is closing and gets "other side closed".
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = singleHeaders(req);

    const reject = (error: HttpError) => send(res, serialize(error, headers, requestId));
    try {
      assertPercentEncoding(req.url ?? '/', 'url');
    } catch (error) {
      return reject(toHttpError(error));
    }

    if (method === 'OPTIONS') {
      res.writeHead(204, {
        ...corsHeaders(headers.origin),
        ...(corsHeaders(headers.origin)['Access-Control-Allow-Origin']
          ? {
              'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
              'Access-Control-Allow-Headers': CORS_ALLOW_HEADERS.join(', '),
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
        return reject(
          new UnauthorizedError(
            error instanceof TokenExpiredError
              ? 'the bearer token has expired: get a new one'
              : 'the bearer token is not valid',
          ),
        );
      }
    }

    let pathParameters: Record<string, string>;
    try {
      pathParameters = pathParametersOf(matched, url.pathname);
    } catch (error) {
      return reject(toHttpError(error));
    }
    const query = new Map<string, string[]>();
    for (const [name, value] of url.searchParams) query.set(name, [...(query.get(name) ?? []), value]);
    const event = proxyEvent({
      method,
      resource: matched.def.path,
      path: url.pathname,
      headers: { ...headers, 'x-forwarded-proto': 'http' },
      query,
      pathParameters,
      body,
      ...(claims ? { claims } : {}),
      sourceIp: req.socket.remoteAddress ?? 'unknown',
      requestId,
      stage: options.stage ?? 'local',
      domainName: headers.host ?? 'localhost',
      resourceId: matched.id,
    });

    send(res, await functions.invoke(matched.id, matched.def, event));
  }

  return server;
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

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  res.writeHead(result.statusCode, headers);
  res.end(result.body);
}
