import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok, weakETag } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = route(routes.patientHistory, contracts.patientHistory, async (request) => {
  const { id } = request.params;
  const path = `/Patient/${id}/_history`;
  const binding = { route: 'patientHistory', id, sub: request.principal.sub, count: request.query._count };
  const page = await patients(request).history(id, request.query._count, request.query._cursor, binding);
  const entries = page.versions.map((version) => ({
    fullUrl: `${request.baseUrl}/Patient/${id}`,
    ...(version.deleted ? {} : { resource: version.resource }),
    request: {
      method: version.deleted ? 'DELETE' : version.versionId === 1 ? 'POST' : 'PUT',
      url: `Patient/${id}`,
    },
    response: {
      status: version.deleted ? '204' : version.versionId === 1 ? '201' : '200',
      etag: weakETag(version.versionId),
      lastModified: version.lastUpdated,
    },
  }));
  return ok(
    bundle('history', entries, {
      self: searchUrl(request.baseUrl, path, {
        _count: String(request.query._count),
        _cursor: request.query._cursor,
      }),
      next: page.next
        ? searchUrl(request.baseUrl, path, { _count: String(request.query._count), _cursor: page.next })
        : undefined,
    }),
  );
});
