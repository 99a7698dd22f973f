import { BadRequestError } from '../base/errors.ts';
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

/** A `%` not followed by two hex digits: what decodeURIComponent throws on. */
const MALFORMED_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

/**
 * Refuses a URL (path and query string) with a malformed percent-escape (`%zz`, a lone `%`)
 * as a 400, rather than letting a decoder throw later or a literal `%` pass as a value.
 */
export function assertPercentEncoding(url: string, location: string): void {
  if (MALFORMED_ESCAPE.test(url)) {
    throw new BadRequestError('the URL has a malformed percent-escape', {
      details: [{ location, message: 'a % must be followed by two hexadecimal digits' }],
    });
  }
}

/** The route's path parameters of `path`, percent-decoded; a malformed escape is a 400. */
export function pathParametersOf(route: CompiledRoute, path: string): Record<string, string> {
  const values = route.pattern.exec(path)?.slice(1) ?? [];
  const parameters: Record<string, string> = {};
  route.names.forEach((name, at) => {
    const raw = values[at] ?? '';
    try {
      parameters[name] = decodeURIComponent(raw);
    } catch {
      assertPercentEncoding(raw, 'path');
      // A valid-looking escape that is not UTF-8 (`%ff`) fails to decode as well.
      throw new BadRequestError('the URL has a percent-escape that is not UTF-8', {
        details: [{ location: 'path', message: 'percent-escapes must encode UTF-8' }],
      });
    }
  });
  return parameters;
}
