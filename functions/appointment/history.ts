import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok, weakETag } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { appointments } from '../../shared/store/appointments.ts';
import { contracts } from './contracts.ts';

/** GET /Appointment/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = route(routes.appointmentHistory, contracts.appointmentHistory, async (request) => {
  const { id } = request.params;
  const path = `/Appointment/${id}/_history`;
  const { _count, _cursor } = request.query;
  const binding = { route: 'appointmentHistory', id, sub: request.principal.sub, count: _count };
  const page = await appointments(request).history(id, _count, _cursor, binding);
  const entries = page.versions.map((version) => ({
    fullUrl: `${request.baseUrl}/Appointment/${id}`,
    resource: version.resource,
    request: { method: version.versionId === 1 ? 'POST' : 'PUT', url: `Appointment/${id}` },
    response: {
      status: version.versionId === 1 ? '201' : '200',
      etag: weakETag(version.versionId),
      lastModified: version.lastUpdated,
    },
  }));
  return ok(
    bundle('history', entries, {
      self: searchUrl(request.baseUrl, path, { _count: String(_count), _cursor }),
      next: page.next
        ? searchUrl(request.baseUrl, path, { _count: String(_count), _cursor: page.next })
        : undefined,
    }),
  );
});
