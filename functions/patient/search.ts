import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** GET /Patient?family=&given=&name=&birthdate=&gender=&identifier=&_id=&_count= · patient (self), clinician (their patients, or all with break-glass), admin · audit E · 200|400|401|403 */
export const handler = route(routes.searchPatients, contracts.searchPatients, async (request) => {
  const { _cursor, ...criteria } = request.query;
  const binding = { route: 'searchPatients', sub: request.principal.sub, criteria };
  const page = await patients(request).search(request.query, binding);
  const params = Object.fromEntries(Object.entries(criteria).map(([name, value]) => [name, String(value)]));
  return ok(
    bundle(
      'searchset',
      page.matches.map((match) => ({
        fullUrl: `${request.baseUrl}/Patient/${match.id}`,
        resource: match.resource,
        search: { mode: 'match' as const },
      })),
      {
        self: searchUrl(request.baseUrl, '/Patient', { ...params, _cursor }),
        next: page.next
          ? searchUrl(request.baseUrl, '/Patient', { ...params, _cursor: page.next })
          : undefined,
      },
    ),
  );
});
