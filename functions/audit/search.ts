import { csv, EXPORT_MEDIA_TYPES, exportFormat, ndjson } from '../../shared/audit/export.ts';
import { searchAuditEvents } from '../../shared/audit/query.ts';
import { parseDateRange } from '../../shared/audit/query-plan.ts';
import { BadRequestError } from '../../shared/base/errors.ts';
import { pageLink, searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { contracts } from './contracts.ts';

/** GET /AuditEvent?patient=&agent=&date=ge..&date=le..&action=&outcome=&purpose=&_count=&_cursor= (Bundle, or NDJSON/CSV by Accept or _format) · compliance (own organization) · audit E · 200|400|401|403 */
export const handler = route(contracts.searchAuditEvents, async (request) => {
  const format = exportFormat(request.format, request.headers.accept);
  if (!format) {
    throw new BadRequestError('_format must be json, ndjson or csv', {
      code: 'not-supported',
      details: [{ location: 'query._format', message: 'must be json, ndjson or csv' }],
    });
  }
  const { _cursor, _count, date, ...filters } = request.query;
  const criteria = { ...filters, ...parseDateRange(date ?? []) };
  const events = (cursor: string | undefined, count: number) =>
    searchAuditEvents(request, criteria, count, cursor, request.binding);
  if (format === 'bundle' || request.summary === 'count') {
    return searchsetResponse(
      request,
      'AuditEvent',
      async ({ cursor, count }) => {
        const page = await events(cursor, count);
        return {
          matches: page.events.map(({ resource }) => ({ id: resource.id, resource })),
          next: page.next,
        };
      },
      50,
    );
  }
  // Exports page by a Link header: up to 1000 events a response unless _count says fewer.
  const page = await events(_cursor, _count ?? 1000);
  return {
    status: 200,
    body:
      format === 'csv'
        ? csv(page.events.map((event) => event.resource))
        : ndjson(page.events.map((event) => event.text)),
    contentType: `${format === 'csv' ? EXPORT_MEDIA_TYPES.csv : EXPORT_MEDIA_TYPES.ndjson}; charset=utf-8`,
    headers: page.next ? { Link: `<${pageLink(request, page.next)}>; rel="next"` } : {},
  };
});
