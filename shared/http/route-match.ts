import { type RouteDef, type RouteId, routeEntries } from '../routes.ts';

/** A route of the table as a path pattern: `/Patient/{id}/_history/{vid}` with named segments. */
export interface CompiledRoute {
  id: RouteId;
  def: RouteDef;
  pattern: RegExp;
  names: string[];
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The route table as path patterns, in table order (so literal segments listed first win). */
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
