/**
 * How the batch endpoint runs each entry: as the request API Gateway would have sent to the
 * entry's route, with the batch caller's verified claims, through that route's own function.
 * So each entry is authorized, validated and audited exactly like a single request, and the
 * batch function itself holds no grant on records, keys or the access log (only on its own
 * Idempotency-Key records, which hold no PHI).
 *
 * Two dispatchers: in AWS the route's own Lambda function is invoked (its name is
 * `ROUTE_FUNCTION_PREFIX` and the route id); locally the gateway injects one that calls the route's handler module
 * in-process (infra/local/dispatch.ts).
 */
import { STATUS_CODES } from 'node:http';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { BadRequestError, HttpError, MethodNotAllowedError, NotFoundError } from '../base/errors.ts';
import { config } from '../config.ts';
import type { BatchEntry } from '../fhir/batch.ts';
import type { BundleEntry } from '../fhir/bundle.ts';
import type { RouteDef, RouteId } from '../routes.ts';
import { operationOutcome } from './operation-outcome.ts';
import { assertPercentEncoding, type CompiledRoute, compileRoutes, pathParametersOf } from './route-match.ts';

export interface Dispatcher {
  /** Runs one route's function with the event API Gateway would have sent it. */
  invoke(id: RouteId, def: RouteDef, event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult>;
}

const ProxyResult = z.object({
  statusCode: z.number(),
  headers: z.optional(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
  body: z.optional(z.nullable(z.string())),
});

export function asProxyResult(value: unknown): APIGatewayProxyResult {
  const parsed = ProxyResult.safeParse(value);
  if (!parsed.success) {
    // What API Gateway answers when a function returns something it cannot use.
    return {
      statusCode: 502,
      body: JSON.stringify(operationOutcome('exception', 'the route answered with an invalid result')),
    };
  }
  const { statusCode, headers, body } = parsed.data;
  return { statusCode, ...(headers ? { headers } : {}), body: body ?? '' };
}

/**
 * Routes a batch entry may run through: authenticated ones that are not batches themselves
 * (a batch does not nest). The stack grants the batch function InvokeFunction on exactly
 * these routes' functions (infra/api-stack.ts).
 */
export const batchInvokable = (def: RouteDef): boolean => def.auth === 'jwt' && !def.access.invokeRoutes;

/** The physical name of a route's function: the stage's prefix and the route id. */
export const routeFunctionName = (prefix: string, id: string): string => `${prefix}${id}`;

/** In AWS: the route's own function, invoked synchronously with the synthesized event. */
export function lambdaDispatcher(
  functionPrefix: string,
  client: Pick<LambdaClient, 'send'> = new LambdaClient({}),
): Dispatcher {
  return {
    async invoke(id, def, event) {
      if (!batchInvokable(def))
        throw new HttpError(501, 'not-supported', 'this route cannot be used in a batch');
      const name = routeFunctionName(functionPrefix, id);
      const out = await client.send(
        new InvokeCommand({ FunctionName: name, Payload: new TextEncoder().encode(JSON.stringify(event)) }),
      );
      if (out.FunctionError || !out.Payload) {
        return { statusCode: 502, body: JSON.stringify(operationOutcome('exception', 'the route failed')) };
      }
      let payload: unknown;
      try {
        payload = JSON.parse(new TextDecoder().decode(out.Payload));
      } catch {
        payload = undefined;
      }
      return asProxyResult(payload);
    },
  };
}

let configured: Dispatcher | undefined;

/**
 * Sets the dispatcher of this process. The local gateway injects its in-process one
 * (infra/local/dispatch.ts), so no shared module imports handler files and no Lambda bundle
 * carries the gateway's module loader.
 */
export function useDispatcher(dispatcher: Dispatcher): void {
  configured = dispatcher;
}

/** The dispatcher this environment uses: Lambda where `ROUTE_FUNCTION_PREFIX` is set, else the injected one. */
export function dispatcher(): Dispatcher {
  if (configured) return configured;
  const { ROUTE_FUNCTION_PREFIX } = config();
  if (!ROUTE_FUNCTION_PREFIX) {
    throw new Error('ROUTE_FUNCTION_PREFIX is not configured and no dispatcher was injected');
  }
  configured = lambdaDispatcher(ROUTE_FUNCTION_PREFIX);
  return configured;
}

let compiled: CompiledRoute[] | undefined;
const compiledRoutes = (): CompiledRoute[] => {
  compiled ??= compileRoutes();
  return compiled;
};

/** The batch request as each entry's event is built from it. */
export interface BatchOrigin {
  event: APIGatewayProxyEvent;
  /** Absolute base URL the batch was sent to; entries may use absolute URLs under it. */
  baseUrl: string;
  requestId: string;
  /**
   * Set when the batch carries an Idempotency-Key: each POST entry gets the key
   * `<prefix>.<index>`, so that its create is idempotent in its own transaction and a rerun
   * of the batch replays it instead of creating again.
   */
  entryIdempotencyPrefix?: string;
}

/** Routes that serve conditional create (`If-None-Exist`), which `request.ifNoneExist` becomes. */
const CONDITIONAL_CREATES: ReadonlySet<RouteId> = new Set<RouteId>(['createPatient']);

/**
 * Headers of the batch request that each entry carries: who is calling, how they want answers,
 * and a stated break-glass reason (which then applies to, and is audited with, every entry).
 */
const FORWARDED = new Set([
  'authorization',
  'user-agent',
  'origin',
  'host',
  'x-forwarded-proto',
  'x-forwarded-for',
  'prefer',
  'accept',
  'x-break-glass-reason',
]);

function entryPath(url: string, baseUrl: string): URL {
  const base = new URL(`${baseUrl}/`);
  let resolved: URL;
  try {
    resolved = new URL(url.replace(/^\//, ''), base);
  } catch {
    throw new BadRequestError('the entry URL is not a URL', {
      details: [{ location: 'Bundle.entry.request.url', message: 'must be a relative or absolute URL' }],
    });
  }
  if (resolved.origin !== base.origin || !resolved.pathname.startsWith(base.pathname)) {
    throw new BadRequestError('the entry URL is not under this server', {
      details: [{ location: 'Bundle.entry.request.url', message: 'must be relative or under the base URL' }],
    });
  }
  return resolved;
}

function entryBody(entry: BatchEntry, def: RouteDef): { body: string | null; contentType?: string } {
  if (def.method === 'POST' || def.method === 'PUT') {
    if (!entry.resource) throw new BadRequestError('the entry needs a resource', { code: 'required' });
    return { body: JSON.stringify(entry.resource), contentType: 'application/fhir+json' };
  }
  if (def.method === 'PATCH') {
    // FHIR carries a JSON Patch in a batch as a Binary (https://hl7.org/fhir/R4/http.html#patch).
    const resource = entry.resource;
    const data = resource?.resourceType === 'Binary' ? Reflect.get(resource, 'data') : undefined;
    const contentType = resource ? Reflect.get(resource, 'contentType') : undefined;
    if (typeof data !== 'string' || contentType !== 'application/json-patch+json') {
      throw new BadRequestError('a PATCH entry needs a Binary with contentType application/json-patch+json', {
        details: [{ location: 'Bundle.entry.resource', message: 'must be a Binary holding a JSON Patch' }],
      });
    }
    return { body: Buffer.from(data, 'base64').toString('utf8'), contentType: 'application/json-patch+json' };
  }
  return { body: null };
}

/** The API Gateway event of one entry, as if the caller had sent it on its own. */
export function entryEvent(
  origin: BatchOrigin,
  entry: BatchEntry,
  index: number,
): { id: RouteId; def: RouteDef; event: APIGatewayProxyEvent } {
  assertPercentEncoding(entry.request.url, 'Bundle.entry.request.url');
  const url = entryPath(entry.request.url, origin.baseUrl);
  const basePath = new URL(`${origin.baseUrl}/`).pathname.replace(/\/$/, '');
  const path = url.pathname.slice(basePath.length) || '/';
  const matches = compiledRoutes().filter((route) => route.pattern.test(path));
  if (matches.length === 0) throw new NotFoundError('no such route');
  const matched = matches.find((route) => route.def.method === entry.request.method);
  if (!matched) throw new MethodNotAllowedError(matches.map((route) => route.def.method));
  if (matched.def.interaction === 'batch') throw new BadRequestError('a batch cannot contain a batch');

  const pathParameters = pathParametersOf(matched, path);
  const multiQuery: Record<string, string[]> = {};
  for (const [name, value] of url.searchParams) multiQuery[name] = [...(multiQuery[name] ?? []), value];

  const { body, contentType } = entryBody(entry, matched.def);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(origin.event.headers ?? {})) {
    if (value !== undefined && FORWARDED.has(name.toLowerCase())) headers[name.toLowerCase()] = value;
  }
  if (contentType) headers['content-type'] = contentType;
  if (entry.request.ifMatch) headers['if-match'] = entry.request.ifMatch;
  if (entry.request.ifNoneExist !== undefined) {
    if (!CONDITIONAL_CREATES.has(matched.id)) {
      throw new BadRequestError('ifNoneExist is served on POST Patient entries only', {
        code: 'not-supported',
        details: [{ location: 'Bundle.entry.request.ifNoneExist', message: 'not served for this entry' }],
      });
    }
    headers['if-none-exist'] = entry.request.ifNoneExist;
  }
  if (origin.entryIdempotencyPrefix && matched.def.method === 'POST') {
    headers['idempotency-key'] = `${origin.entryIdempotencyPrefix}.${index}`;
  }
  const requestId = `${origin.requestId}-${index + 1}`;
  const context = origin.event.requestContext;
  return {
    id: matched.id,
    def: matched.def,
    event: {
      ...origin.event,
      resource: matched.def.path,
      path,
      httpMethod: matched.def.method,
      headers,
      multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
      queryStringParameters: url.searchParams.size > 0 ? Object.fromEntries(url.searchParams) : null,
      multiValueQueryStringParameters: url.searchParams.size > 0 ? multiQuery : null,
      pathParameters: matched.names.length > 0 ? pathParameters : null,
      body,
      isBase64Encoded: false,
      requestContext: {
        ...context,
        httpMethod: matched.def.method,
        path: `${basePath}${path}`,
        requestId,
        resourceId: matched.id,
        resourcePath: matched.def.path,
      },
    },
  };
}

/**
 * Entries whose one request reads many pages: `_summary=count` (up to 20 pages of a search) and
 * `$verify` (every event of up to 24 hours). One such request is bounded; 100 of them in a
 * batch are 100 times that for one call, whatever the caller may see, so a batch refuses them.
 */
export function isMultiPageRead(def: RouteDef, event: APIGatewayProxyEvent): boolean {
  if (def.interaction === 'search-type') {
    const summaries = event.multiValueQueryStringParameters?._summary ?? [];
    return summaries.some((value) => value === 'count');
  }
  return def.interaction === 'operation' && def.operation === 'verify';
}

const headerOf = (result: APIGatewayProxyResult, name: string): string | undefined => {
  for (const [key, value] of Object.entries(result.headers ?? {})) {
    if (key.toLowerCase() === name) return String(value);
  }
  return undefined;
};

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}

const statusText = (status: number): string => `${status} ${STATUS_CODES[status] ?? ''}`.trim();

/** One entry of the batch-response from the route's answer. */
export function responseEntry(
  result: APIGatewayProxyResult,
): BundleEntry & { response: { outcome?: unknown } } {
  let body: unknown;
  try {
    body = result.body ? JSON.parse(result.body) : undefined;
  } catch {
    body = undefined;
  }
  const isOutcome =
    typeof body === 'object' && body !== null && Reflect.get(body, 'resourceType') === 'OperationOutcome';
  const location = headerOf(result, 'location') ?? headerOf(result, 'content-location');
  const etag = headerOf(result, 'etag');
  const lastModified = headerOf(result, 'last-modified');
  const ok = result.statusCode < 300;
  // meta.lastUpdated keeps the milliseconds that the HTTP date drops.
  const lastUpdated = isOutcome ? undefined : field(body, 'meta', 'lastUpdated');
  return {
    ...(ok && body !== undefined && !isOutcome ? { resource: body } : {}),
    response: {
      status: statusText(result.statusCode),
      ...(location ? { location } : {}),
      ...(etag ? { etag } : {}),
      ...(typeof lastUpdated === 'string'
        ? { lastModified: lastUpdated }
        : lastModified
          ? { lastModified: new Date(lastModified).toISOString() }
          : {}),
      ...(isOutcome ? { outcome: body } : {}),
    },
  };
}

/** An entry refused before it reached a route (bad URL, no such route, a nested batch). */
export function refusedEntry(error: HttpError): BundleEntry & { response: { outcome?: unknown } } {
  return {
    response: {
      status: statusText(error.status),
      outcome: operationOutcome(error.code, error.message, error.details),
    },
  };
}

/** Runs the tasks with at most `limit` at a time; results keep the tasks' order. */
export async function inOrder<T>(tasks: readonly (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    for (let at = next++; at < tasks.length; at = next++) {
      const task = tasks[at];
      if (task) results[at] = await task();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}
