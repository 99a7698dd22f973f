import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { practitioners } from '../../shared/store/practitioners.ts';
import { contracts } from './contracts.ts';

/** GET /Practitioner?name=&_count= · any role of the organization · audit E · 200|400|401 */
export const handler = route(routes.searchPractitioners, contracts.searchPractitioners, async (request) => {
  const { _cursor, ...criteria } = request.query;
  const binding = { route: 'searchPractitioners', sub: request.principal.sub, criteria };
  const page = await practitioners(request).search(request.query, binding);
  const params = { name: criteria.name, _count: String(criteria._count) };
  return ok(
    bundle(
      'searchset',
      page.matches.map((match) => ({
        fullUrl: `${request.baseUrl}/Practitioner/${match.id}`,
        resource: match.resource,
        search: { mode: 'match' as const },
      })),
      {
        self: searchUrl(request.baseUrl, '/Practitioner', { ...params, _cursor }),
        next: page.next
          ? searchUrl(request.baseUrl, '/Practitioner', { ...params, _cursor: page.next })
          : undefined,
      },
    ),
  );
});
