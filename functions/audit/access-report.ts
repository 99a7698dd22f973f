import { patientAccessReport } from '../../shared/audit/query.ts';
import { accessReportEntry } from '../../shared/audit/resource.ts';
import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/$access-report · patient (own record only; others 404) · audit E · 200|400|401|403|404 */
export const handler = route(contracts.patientAccessReport, async (request) => {
  const { id } = request.params;
  return searchsetResponse(request, 'AuditEvent', async ({ cursor, count }) => {
    const page = await patientAccessReport(request, id, count, cursor, request.binding);
    return {
      // A patient reads the report's entries here, not at /AuditEvent/{id} (compliance only).
      matches: page.events.map(({ resource }) => ({
        id: resource.id,
        fullUrl: `urn:uuid:${resource.id}`,
        resource: accessReportEntry(resource, id),
      })),
      next: page.next,
    };
  });
});
