import middy, { type MiddlewareObj, type MiddyfiedHandler } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import type * as z from 'zod/mini';
import { appendAuditEvent } from '../audit/log.ts';
import { AuditTrail, claimsRefusalRecord, type RequestFacts } from '../audit/trail.ts';
import { ClaimsRefusedError } from '../auth/errors.ts';
import { type Principal, principalFromClaims } from '../auth/principal.ts';
import { BadRequestError, ForbiddenError, HttpError, ServiceUnavailableError } from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { describeIssues } from '../fhir/issues.ts';
import type { RouteDef } from '../routes.ts';
import { breakGlassReasonOf } from './break-glass.ts';
import { formParameters, requestBody, toHttpError } from './request.ts';
import type { FhirResponse } from './response.ts';
import { serialize } from './serialize.ts';

type Schema = z.ZodMiniType;
type Out<S> = S extends z.ZodMiniType<infer O> ? O : undefined;

/** The contract of one route besides the route table entry: what it accepts. */
export interface Contract<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> {
  params?: P;
  query?: Q;
  body?: B;
  /** `resource` bodies are FHIR JSON; `json-patch` bodies are RFC 6902 documents. */
  bodyType?: 'resource' | 'json-patch';
  /** Resource type named in error locations of the body (`Patient.birthDate`). */
  resourceType?: string;
}

/** Any route's contract, as the OpenAPI generator reads them. */
export type AnyContract = Contract<Schema | undefined, Schema | undefined, Schema | undefined>;

export interface Request<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  /** Header names in lower case. */
  headers: Readonly<Record<string, string>>;
  principal: Principal;
  /** A clinician's validated X-Break-Glass-Reason on routes that read it (shared/http/break-glass.ts). */
  breakGlassReason: string | undefined;
  /** The request's audit trail: repositories add what was touched and commit it with writes. */
  audit: AuditTrail;
  /** Absolute base URL of the API as the client called it, for Location and fullUrl. */
  baseUrl: string;
  requestId: string;
  /** FHIR `_format` (taken out of `query`), for routes that answer in several formats. */
  format: string | undefined;
  /**
   * The API Gateway event as received. Only the batch endpoint reads it, to send each entry
   * to its route with the caller's verified claims; other handlers never need it.
   */
  event: Readonly<Event>;
}

interface State {
  started: number;
  requestId: string;
  headers: Record<string, string>;
  audit?: AuditTrail;
  status?: number;
}

type Event = APIGatewayProxyEvent;
type Result = APIGatewayProxyResult;
type Middleware = MiddlewareObj<Event, Result>;

const states = new WeakMap<Event, State>();
const stateOf = (event: Event): State => {
  const state = states.get(event);
  if (!state) throw new Error('request state missing');
  return state;
};

const lowerCaseHeaders = (headers: Event['headers']): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') result[name.toLowerCase()] = value;
  }
  return result;
};

function baseUrlOf(event: Event, headers: Record<string, string>): string {
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = event.requestContext.domainName ?? headers.host ?? 'localhost';
  // requestContext.path carries the stage or base path prefix that event.path lacks.
  const fullPath = event.requestContext.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${proto}://${host}${prefix}`;
}

/** First in, last out: request id, timing, the one log line per request. */
const observe = (def: RouteDef): Middleware => ({
  before: (request) => {
    const headers = lowerCaseHeaders(request.event.headers);
    states.set(request.event, {
      started: performance.now(),
      requestId: request.event.requestContext?.requestId ?? request.context.awsRequestId,
      headers,
    });
  },
  after: (request) => finish(def, request.event, request.response?.statusCode),
  onError: (request) => finish(def, request.event, request.response?.statusCode),
});

function finish(def: RouteDef, event: Event, status: number | undefined): void {
  const state = states.get(event);
  log().info('request', {
    requestId: state?.requestId,
    route: `${def.method} ${def.path}`,
    status,
    durationMs: state ? Math.round((performance.now() - state.started) * 10) / 10 : undefined,
    role: state?.audit?.principal.role,
  });
}

/** Serializes results and errors alike: OperationOutcome, security headers, CORS, request id. */
const respond = (): Middleware => ({
  after: (request) => {
    const state = stateOf(request.event);
    request.response = serialize(request.response, state.headers, state.requestId);
  },
  onError: (request) => {
    const state = states.get(request.event);
    const error = toHttpError(request.error);
    if (error.status >= 500) {
      log().error('request failed', {
        requestId: state?.requestId,
        errorName: request.error instanceof Error ? request.error.name : typeof request.error,
        status: error.status,
      });
    }
    request.response = serialize(
      error,
      state?.headers ?? {},
      state?.requestId ?? request.context.awsRequestId,
    );
  },
});

/**
 * Exactly one AuditEvent per authenticated request: writes commit theirs in their own
 * transaction; everything else gets it here. A read whose AuditEvent cannot be written
 * fails with 503 and returns no data.
 */
const audit = (def: RouteDef): Middleware => ({
  after: async (request) => {
    const trail = stateOf(request.event).audit;
    if (!trail || trail.committed || !def.audit) return;
    const status = isFhirResponse(request.response) ? request.response.status : 200;
    try {
      await appendAuditEvent(await trail.build(status));
      trail.committed = true;
    } catch (cause) {
      throw new ServiceUnavailableError('the access could not be recorded; no data was returned', { cause });
    }
  },
  onError: async (request) => {
    const state = states.get(request.event);
    if (!state || !def.audit || state.audit?.committed) return;
    const error = toHttpError(request.error);
    const trail = state.audit;
    // A signed token refused for its claims has no principal: its refusal is recorded too.
    const record = trail
      ? await trail.build(error.status, error.status < 500 ? error.message : undefined)
      : request.error instanceof ClaimsRefusedError
        ? await claimsRefusalRecord(
            def,
            request.error.claims,
            factsOf(request.event, state),
            error.status,
            error.message,
          )
        : undefined;
    if (!record) return;
    try {
      await appendAuditEvent(record);
      if (trail) trail.committed = true;
    } catch (cause) {
      log().error('audit write failed', {
        requestId: state.requestId,
        errorName: cause instanceof Error ? cause.name : typeof cause,
      });
    }
  },
});

const isFhirResponse = (value: unknown): value is FhirResponse =>
  typeof value === 'object' && value !== null && 'status' in value && typeof value.status === 'number';

const factsOf = (event: Event, state: State): RequestFacts => ({
  requestId: state.requestId,
  sourceIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
  userAgent: (state.headers['user-agent'] ?? 'unknown').slice(0, 256),
});

const authenticate = (def: RouteDef): Middleware => ({
  before: (request) => {
    const state = stateOf(request.event);
    const principal = principalFromClaims(request.event.requestContext?.authorizer?.claims);
    const facts = factsOf(request.event, state);
    state.audit = new AuditTrail(def, principal, facts);
    // The coarse check of the route table; the policy in the repositories decides the rest.
    if (!def.roles.includes(principal.role))
      throw new ForbiddenError(`the ${principal.role} role may not use this route`);
  },
});

/** `POST /<type>/_search`: a search whose parameters come in a form body, not the URL. */
const isFormSearch = (def: RouteDef): boolean => def.method === 'POST' && def.interaction === 'search-type';

/**
 * FHIR search by POST, so that search values (names, birth dates, identifiers) stay out of
 * URLs and so out of every log and trace that records one. The form's parameters join the
 * URL's (FHIR: the same as repeating them) and the search then runs exactly as its GET twin:
 * same contract, paging, `_summary`, `_format`, policy and audit.
 *
 * Its Bundle links carry the opaque cursor and nothing else: `self` and `next` point at the
 * same `_search` URL, and the client POSTs the same form to the `next` link. A GET link could
 * only carry the criteria in the URL (the cursor is bound to the query, it does not hold it),
 * which is what searching by POST avoids.
 */
const formSearch = (def: RouteDef): Middleware => ({
  before: (request) => {
    if (!isFormSearch(def)) return;
    const event = request.event;
    const merged = new Map<string, string[]>();
    const fromUrl = event.multiValueQueryStringParameters
      ? Object.entries(event.multiValueQueryStringParameters)
      : Object.entries(event.queryStringParameters ?? {}).map(
          ([name, value]) => [name, value === undefined ? [] : [value]] as const,
        );
    for (const [name, values] of fromUrl) if (values) merged.set(name, [...values]);
    for (const [name, value] of formParameters(event, stateOf(event).headers))
      merged.set(name, [...(merged.get(name) ?? []), value]);
    // Entries, not assignments: a parameter named `__proto__` stays an ordinary key.
    event.multiValueQueryStringParameters = merged.size > 0 ? Object.fromEntries(merged) : null;
    event.queryStringParameters =
      merged.size > 0
        ? Object.fromEntries([...merged].map(([name, values]) => [name, values.at(-1) ?? '']))
        : null;
  },
  after: (request) => {
    const response: unknown = request.response;
    if (!isFormSearch(def) || !isFhirResponse(response)) return;
    const state = stateOf(request.event);
    const target = `${baseUrlOf(request.event, state.headers)}${def.path}`;
    const cursorOnly = (url: string): string => {
      const cursor = URL.canParse(url) ? new URL(url).searchParams.get('_cursor') : null;
      return cursor ? `${target}?${new URLSearchParams({ _cursor: cursor }).toString()}` : target;
    };
    const body = response.body;
    if (isRecord(body) && Array.isArray(body.link)) {
      body.link = body.link.map((link) =>
        isRecord(link) && typeof link.url === 'string' ? { ...link, url: cursorOnly(link.url) } : link,
      );
    }
    // The exports (CSV, NDJSON) page with a Link header instead.
    const link = response.headers?.Link;
    if (response.headers && link) {
      response.headers.Link = link.replace(/<([^>]*)>/g, (_, url: string) => `<${cursorOnly(url)}>`);
    }
  },
});

function parseWith<S extends Schema>(schema: S, value: unknown, where: string): Out<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      location: [where, ...issue.path.map(String)].join('.'),
      message:
        issue.code === 'unrecognized_keys' ? `unknown parameter: ${issue.keys.join(', ')}` : issue.message,
    }));
    throw new BadRequestError(`invalid ${where}`, { details });
  }
  return parsed.data as Out<S>;
}

/** Query parameters: a repeated name becomes an array (FHIR `date=ge..&date=le..`). */
function queryOf(event: Event): Record<string, string | string[]> {
  // Entries, not assignments: a parameter named `__proto__` must stay an ordinary (unknown) key.
  const entries: [string, string | string[]][] = [];
  const multi = event.multiValueQueryStringParameters;
  const source = multi
    ? Object.entries(multi)
    : Object.entries(event.queryStringParameters ?? {}).map(
        ([name, value]) => [name, value === undefined ? undefined : [value]] as const,
      );
  for (const [name, values] of source) {
    if (!values || name === '_format' || name === '_pretty') continue;
    entries.push([name, values.length === 1 && values[0] !== undefined ? values[0] : [...values]]);
  }
  return Object.fromEntries(entries);
}

const formatOf = (event: Event): string | undefined =>
  event.multiValueQueryStringParameters?._format?.[0] ?? event.queryStringParameters?._format ?? undefined;

/** `_format` values that ask for XML (a `+` in a query string arrives as a space). */
const XML_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml']);

/** FHIR `_format`: JSON is served; a request for XML is refused rather than answered in JSON. */
const negotiate = (): Middleware => ({
  before: (request) => {
    const format = formatOf(request.event)?.split(';')[0]?.trim().toLowerCase().replaceAll(' ', '+');
    if (format !== undefined && XML_FORMATS.has(format)) {
      throw new HttpError(
        406,
        'not-supported',
        'XML is not served; use _format=json or application/fhir+json',
        {
          details: [{ location: 'query._format', message: 'must be json or application/fhir+json' }],
        },
      );
    }
  },
});

/** Takes `_summary` out of a search's query: `count` is served, `false` means no summary. */
function takeSummary(query: Record<string, string | string[]>): 'count' | undefined {
  const summary = query._summary;
  delete query._summary;
  if (summary === undefined || summary === 'false') return undefined;
  if (summary === 'count') return 'count';
  throw new BadRequestError('only _summary=count is served', {
    code: 'not-supported',
    details: [{ location: 'query._summary', message: 'must be count' }],
  });
}

/** Pages a count reads at most: 20 pages of 100 matches. */
const MAX_COUNT_PAGES = 20;
const COUNT_PAGE_SIZE = 100;

/**
 * `_summary=count`: the search has no cheap count (its matches are filtered by the access
 * policy page by page), so it is counted by reading its pages, up to a cap; past the cap the
 * answer is a 422 asking for a narrower search rather than a wrong total.
 */
async function countMatches(
  search: (query: Record<string, string | string[]>) => Promise<FhirResponse>,
  query: Record<string, string | string[]>,
  self: string,
): Promise<FhirResponse> {
  const { _cursor: _start, _count: _size, ...criteria } = query;
  let total = 0;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_COUNT_PAGES; page++) {
    const response = await search({
      ...criteria,
      _count: String(COUNT_PAGE_SIZE),
      ...(cursor ? { _cursor: cursor } : {}),
    });
    const body = response.body;
    const entries = isRecord(body) && Array.isArray(body.entry) ? body.entry : [];
    total += entries.filter(
      (entry) => !isRecord(entry) || !isRecord(entry.search) || entry.search.mode === 'match',
    ).length;
    const links = isRecord(body) && Array.isArray(body.link) ? body.link : [];
    const next = links.find((link) => isRecord(link) && link.relation === 'next');
    const url = isRecord(next) && typeof next.url === 'string' ? next.url : undefined;
    cursor = url ? (new URL(url).searchParams.get('_cursor') ?? undefined) : undefined;
    if (!cursor)
      return {
        status: 200,
        body: { resourceType: 'Bundle', type: 'searchset', total, link: [{ relation: 'self', url: self }] },
      };
  }
  throw new HttpError(
    422,
    'too-costly',
    `more than ${MAX_COUNT_PAGES * COUNT_PAGE_SIZE} matches are not counted; narrow the search`,
  );
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * One route's Lambda handler: the shared middy stack around a few lines of domain code.
 * Handlers never see raw events, never catch, never map statuses.
 */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  def: RouteDef,
  contract: Contract<P, Q, B>,
  handle: (request: Request<Out<P>, Out<Q>, Out<B>>) => Promise<FhirResponse>,
): RouteHandler {
  const handler = middy<Event, Result>()
    .use(observe(def))
    .use(respond())
    .use(audit(def))
    .use(authenticate(def))
    .use(formSearch(def))
    .use(negotiate())
    .handler(async (event: Event, _context: Context) => {
      const state = stateOf(event);
      const trail = state.audit;
      if (!trail) throw new Error('authentication did not run');
      const body = contract.body
        ? parseBody(
            contract.body,
            contract.resourceType,
            requestBody(event, state.headers, contract.bodyType),
          )
        : (undefined as Out<B>);
      const rawQuery = queryOf(event);
      const summary = def.interaction === 'search-type' ? takeSummary(rawQuery) : undefined;
      const request: Request<Out<P>, Out<Q>, Out<B>> = {
        params: contract.params
          ? parseWith(contract.params, event.pathParameters ?? {}, 'path')
          : (undefined as Out<P>),
        query: contract.query ? parseWith(contract.query, rawQuery, 'query') : (undefined as Out<Q>),
        body,
        headers: state.headers,
        principal: trail.principal,
        breakGlassReason: breakGlassReasonOf(def, trail.principal, state.headers),
        audit: trail,
        baseUrl: baseUrlOf(event, state.headers),
        requestId: state.requestId,
        event,
        format: formatOf(event),
      };
      const { query } = contract;
      if (summary === 'count' && query) {
        const self = `${request.baseUrl}${event.path}?${new URLSearchParams(
          Object.entries({ ...rawQuery, _summary: 'count' }).flatMap(([name, value]) =>
            (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]),
          ),
        ).toString()}`;
        const counted: unknown = await countMatches(
          (pageQuery) => handle({ ...request, query: parseWith(query, pageQuery, 'query') }),
          rawQuery,
          self,
        );
        return counted as Result;
      }
      // The handler returns a FhirResponse; `respond` turns it into the proxy result.
      const response: unknown = await handle(request);
      return response as Result;
    });
  return Object.assign(handler, { forRoute: (other: RouteDef) => route(other, contract, handle) });
}

/**
 * A route's Lambda handler. `forRoute` serves another entry of the route table with the same
 * contract and domain code (the `POST /<type>/_search` twin of a GET search): each route keeps
 * its own function, def and audit, and the search is written once.
 */
export type RouteHandler = MiddyfiedHandler<Event, Result> & { forRoute(def: RouteDef): RouteHandler };

function parseBody<S extends Schema>(schema: S, resourceType: string | undefined, raw: unknown): Out<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new BadRequestError('the request body is not valid', {
      details: describeIssues(resourceType ?? 'body', parsed.error),
    });
  }
  return parsed.data as Out<S>;
}

/** Public routes (conformance, health): no principal, no audit, same responses. */
export function publicRoute(def: RouteDef, handle: (request: { baseUrl: string }) => Promise<FhirResponse>) {
  return middy<Event, Result>()
    .use(observe(def))
    .use(respond())
    .use(negotiate())
    .handler(async (event: Event) => {
      const state = stateOf(event);
      const response: unknown = await handle({ baseUrl: baseUrlOf(event, state.headers) });
      return response as Result;
    });
}
