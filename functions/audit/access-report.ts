import { patientAccessReport } from '../../shared/audit/query.ts';
import { accessReportEntry } from '../../shared/audit/resource.ts';
import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/$access-report · patient (own record only; others 404) · audit E · 200|400|401|403|404 */
export const handler = route(routes.patientAccessReport, contracts.patientAccessReport, async (request) => {
  const { id } = request.params;
  const { _count, _cursor } = request.query;
  const binding = { route: 'patientAccessReport', sub: request.principal.sub, id, count: _count };
  const page = await patientAccessReport(request, id, _count, _cursor, binding);
  const path = `/Patient/${id}/$access-report`;
  return ok(
    bundle(
      'searchset',
      page.events.map(({ resource }) => ({
        fullUrl: `urn:uuid:${resource.id}`,
        resource: accessReportEntry(resource, id),
        search: { mode: 'match' as const },
      })),
      {
        self: searchUrl(request.baseUrl, path, { _count: String(_count), _cursor }),
        next: page.next
          ? searchUrl(request.baseUrl, path, { _count: String(_count), _cursor: page.next })
          : undefined,
      },
    ),
  );
});
