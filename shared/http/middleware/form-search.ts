import type { RouteDef } from '../../routes.ts';
import { formParameters } from '../request.ts';
import { type Middleware, stateOf } from './state.ts';

/** `POST /<type>/_search`: a search whose parameters come in a form body, not the URL. */
export const isFormSearch = (def: RouteDef): boolean =>
  def.method === 'POST' && def.interaction === 'search-type';

/**
 * FHIR search by POST, so that search values (names, birth dates, identifiers) stay out of
 * URLs and so out of every log and trace that records one. The form's parameters join the
 * URL's (FHIR: the same as repeating them) and the search then runs exactly as its GET twin:
 * same contract, paging, `_summary`, `_format`, policy and audit. Its links carry only the
 * cursor (`pageLink` in shared/http/bundles.ts).
 */
export const formSearch = (def: RouteDef): Middleware => ({
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
});
