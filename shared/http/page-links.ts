import { searchUrl } from '../fhir/bundle.ts';
import type { RouteDef, RouteId } from '../routes.ts';

/** Where a search's or history's Bundle links point; the stack computes it for every request. */
export interface PageLinks {
  /** The link to the page that starts at `cursor` (the first page without one). */
  page(cursor: string | undefined): string;
  /** The `self` link of a `_summary=count` answer. */
  count: string;
}

/**
 * THE cursor binding: a cursor opens only for the caller it was made for (the cursor's own
 * scope adds the organization), on the same route and the same query. Twins that share a
 * contract (GET and POST `_search`) share the contract's route id, so their cursors are one.
 */
export interface CursorBinding {
  route: RouteId;
  sub: string;
  params: unknown;
  /** The parsed query without `_cursor`. */
  query: unknown;
}

export function cursorBinding(route: RouteId, sub: string, params: unknown, query: unknown): CursorBinding {
  const { _cursor: _, ...criteria } = isRecord(query) ? query : {};
  return { route, sub, params: params ?? {}, query: criteria };
}

/** `/Patient/{id}/_history` with its parameters: the path the client called, without the stage. */
const pathOf = (def: RouteDef, params: unknown): string =>
  def.path.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = isRecord(params) ? params[name] : undefined;
    return typeof value === 'string' ? value : whole;
  });

/**
 * GET links repeat the parsed query (with its defaults) and `_format`. `POST /<type>/_search`
 * links carry the opaque cursor and nothing else, pointing at the same `_search` URL, and the
 * client POSTs the same form to the `next` link: a GET link could only carry the criteria in
 * the URL (the cursor is bound to the query, it does not hold it), which searching by POST avoids.
 */
export function pageLinksOf(
  request: {
    baseUrl: string;
    params: unknown;
    query: unknown;
    format: string | undefined;
    /** The query as received (without `_format`, `_summary`), for the count's self link. */
    rawQuery: Readonly<Record<string, string | string[]>>;
  },
  def: RouteDef,
  cursorOnly: boolean,
): PageLinks {
  const base = `${request.baseUrl}${pathOf(def, request.params)}`;
  if (cursorOnly) {
    return {
      page: (cursor) => (cursor ? searchUrl(base, '', { _cursor: cursor }) : base),
      count: base,
    };
  }
  const criteria: Record<string, string | string[]> = {};
  const { _cursor: _, ...parsed } = isRecord(request.query) ? request.query : {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== undefined) criteria[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  if (request.format !== undefined) criteria._format = request.format;
  return {
    page: (cursor) => searchUrl(base, '', { ...criteria, _cursor: cursor }),
    count: searchUrl(base, '', { ...request.rawQuery, _summary: 'count' }),
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
