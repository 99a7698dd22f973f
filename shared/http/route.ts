import middy, { type MiddyfiedHandler } from '@middy/core';
import type { AuditTrail } from '../audit/trail.ts';
import type { Principal } from '../auth/principal.ts';
import { type RouteDef, routes } from '../routes.ts';
import { type Idempotency, idempotencyOf } from '../store/idempotency.ts';
import { breakGlassReasonOf } from './break-glass.ts';
import type { Out, RouteContract, Schema } from './contract.ts';
import { audit } from './middleware/audit.ts';
import { authenticate } from './middleware/authenticate.ts';
import { formSearch, isFormSearch } from './middleware/form-search.ts';
import { negotiate } from './middleware/negotiate.ts';
import { observe } from './middleware/observe.ts';
import { respond } from './middleware/respond.ts';
import { scopes } from './middleware/scopes.ts';
import { baseUrlOf, type Event, type Result, stateOf } from './middleware/state.ts';
import { type CursorBinding, cursorBinding, type LinkBase, pathOf } from './page-links.ts';
import { formatOf, parseBody, parseWith, queryOf, takeSummary } from './query.ts';
import { requestBody } from './request.ts';
import { type FhirResponse, parseIfMatch } from './response.ts';

export type { AnyContract, Contract, RouteContract } from './contract.ts';

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
  /** `If-Match: W/"<version>"` of updates, patches and deletes (400 if it is no version ETag). */
  ifMatch: number | undefined;
  /** The `Idempotency-Key` of routes whose contract takes one, bound to the caller and the body. */
  idempotency: Idempotency | undefined;
  /** What every cursor of this request is bound to: pass it to the repository's paging. */
  binding: CursorBinding;
  /** `_summary` of a search (taken out of `query`): `count` answers the total only. */
  summary: 'count' | undefined;
  /** Where this request's Bundle links point (`pageLink` in shared/http/bundles.ts writes them). */
  linkBase: LinkBase;
  /**
   * The API Gateway event as received. Only the batch endpoint reads it, to send each entry
   * to its route with the caller's verified claims; other handlers never need it.
   */
  event: Readonly<Event>;
}

/** Interactions that change an existing version and so take If-Match. */
const VERSIONED_WRITES = new Set<RouteDef['interaction']>(['update', 'patch', 'delete']);

/** The handler's request: body, path and query parsed in this order, then the chores derived from them. */
function requestOf<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
  def: RouteDef,
  contract: RouteContract<P, Q, B>,
  event: Event,
): Request<Out<P>, Out<Q>, Out<B>> {
  const state = stateOf(event);
  const trail = state.audit;
  if (!trail) throw new Error('authentication did not run');
  const { headers } = state;
  const body = contract.body
    ? parseBody(
        contract.body,
        contract.resourceType,
        requestBody(event, headers, contract.bodyType, contract.maxBodyBytes),
      )
    : (undefined as Out<B>);
  const rawQuery = queryOf(event);
  const summary = def.interaction === 'search-type' ? takeSummary(rawQuery) : undefined;
  const params = contract.params
    ? parseWith(contract.params, event.pathParameters ?? {}, 'path')
    : (undefined as Out<P>);
  const query = contract.query ? parseWith(contract.query, rawQuery, 'query') : (undefined as Out<Q>);
  const baseUrl = baseUrlOf(event, headers);
  const format = formatOf(event);
  const principal = trail.principal;
  return {
    params,
    query,
    body,
    headers,
    principal,
    breakGlassReason: breakGlassReasonOf(def, principal, headers),
    audit: trail,
    baseUrl,
    requestId: state.requestId,
    event,
    format,
    ifMatch: VERSIONED_WRITES.has(def.interaction) ? parseIfMatch(headers['if-match']) : undefined,
    idempotency: contract.idempotencyKey ? idempotencyOf(principal, headers, body) : undefined,
    binding: cursorBinding(contract.id, principal.sub, params, query),
    summary,
    linkBase: {
      url: `${baseUrl}${pathOf(def.path, params)}`,
      cursorOnly: isFormSearch(def),
      received: rawQuery,
    },
  };
}

/**
 * One route's Lambda handler: the shared middy stack around a few lines of domain code. The
 * contract names the route: `route(contracts.readPatient, async (request) => ...)`.
 * Handlers never see raw events, never catch, never map statuses.
 */
export function route<
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  contract: RouteContract<P, Q, B>,
  handle: (request: Request<Out<P>, Out<Q>, Out<B>>) => Promise<FhirResponse>,
): RouteHandler {
  return routeFor(routes[contract.id], contract, handle);
}

function routeFor<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined>(
  def: RouteDef,
  contract: RouteContract<P, Q, B>,
  handle: (request: Request<Out<P>, Out<Q>, Out<B>>) => Promise<FhirResponse>,
): RouteHandler {
  const handler = middy<Event, Result>()
    .use(observe(def))
    .use(respond())
    .use(audit(def))
    .use(authenticate(def))
    .use(scopes(def))
    .use(formSearch(def))
    .use(negotiate())
    .handler(async (event: Event) => {
      // The handler returns a FhirResponse; `respond` turns it into the proxy result.
      const response: unknown = await handle(requestOf(def, contract, event));
      return response as Result;
    });
  return Object.assign(handler, { forRoute: (other: RouteDef) => routeFor(other, contract, handle) });
}

/**
 * A route's Lambda handler. `forRoute` serves another entry of the route table with the same
 * contract and domain code (the `POST /<type>/_search` twin of a GET search): each route keeps
 * its own function, def and audit, and the search is written once.
 */
export type RouteHandler = MiddyfiedHandler<Event, Result> & { forRoute(def: RouteDef): RouteHandler };
