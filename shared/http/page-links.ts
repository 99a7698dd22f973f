import type { RouteId } from '../routes.ts';

/**
 * Where a search's or history's Bundle links point, as the stack found it: the links themselves
 * are written by the Bundle helpers (shared/http/bundles.ts), so only their bundles carry that code.
 */
export interface LinkBase {
  /** The route's URL with its path parameters: `https://host/stage/Patient/p1/_history`. */
  url: string;
  /** `POST /<type>/_search`: links carry the opaque cursor and nothing else. */
  cursorOnly: boolean;
  /** The query as received (without `_format` and `_summary`), for the count's self link. */
  received: Readonly<Record<string, string | string[]>>;
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
export const pathOf = (path: string, params: unknown): string =>
  path.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = isRecord(params) ? params[name] : undefined;
    return typeof value === 'string' ? value : whole;
  });

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
