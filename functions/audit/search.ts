import { csv, EXPORT_MEDIA_TYPES, exportFormat, ndjson } from '../../shared/audit/export.ts';
import { searchAuditEvents } from '../../shared/audit/query.ts';
import { parseDateRange } from '../../shared/audit/query-plan.ts';
import { BadRequestError } from '../../shared/base/errors.ts';
import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { contracts } from './contracts.ts';

/** GET /AuditEvent?patient=&agent=&date=ge..&date=le..&action=&outcome=&purpose=&_count=&_cursor= (Bundle, or NDJSON/CSV by Accept or _format) · compliance (own organization) · audit E · 200|400|401|403 */
export const handler = route(routes.searchAuditEvents, contracts.searchAuditEvents, async (request) => {
  const format = exportFormat(request.format, request.headers.accept);
  if (!format) {
    throw new BadRequestError('_format must be json, ndjson or csv', {
      code: 'not-supported',
      details: [{ location: 'query._format', message: 'must be json, ndjson or csv' }],
    });
  }
  const { _cursor, _count, date, ...filters } = request.query;
  const count = _count ?? (format === 'bundle' ? 50 : 1000);
  const criteria = { ...filters, ...parseDateRange(date ?? []) };
  const { sub, org } = request.principal;
  const binding = { route: 'searchAuditEvents', sub, org, criteria, count };
  const page = await searchAuditEvents(request, criteria, count, _cursor, binding);

  const params = {
    ...filters,
    date,
    _count: String(count),
    ...(request.format !== undefined ? { _format: request.format } : {}),
  };
  const self = searchUrl(request.baseUrl, '/AuditEvent', { ...params, _cursor });
  const next = page.next
    ? searchUrl(request.baseUrl, '/AuditEvent', { ...params, _cursor: page.next })
    : undefined;
  if (format === 'bundle') {
    return ok(
      bundle(
        'searchset',
        page.events.map(({ resource }) => ({
          fullUrl: `${request.baseUrl}/AuditEvent/${resource.id}`,
          resource,
          search: { mode: 'match' as const },
        })),
        { self, next },
      ),
    );
  }
  return {
    status: 200,
    body:
      format === 'csv'
        ? csv(page.events.map((event) => event.resource))
        : ndjson(page.events.map((event) => event.text)),
    contentType: `${format === 'csv' ? EXPORT_MEDIA_TYPES.csv : EXPORT_MEDIA_TYPES.ndjson}; charset=utf-8`,
    headers: next ? { Link: `<${next}>; rel="next"` } : {},
  };
});
