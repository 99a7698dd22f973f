import { readAuditEvent } from '../../shared/audit/query.ts';
import { FHIR_JSON } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { contracts } from './contracts.ts';

/** GET /AuditEvent/{id} · compliance (own organization) · audit R · 200|401|403|404 */
export const handler = route(routes.readAuditEvent, contracts.readAuditEvent, async (request) => {
  const { text, resource, revealed } = await readAuditEvent(request, request.params.id);
  // The stored canonical JSON as it is (its SHA-256 is the sealed hash), unless a break-glass
  // reason was opened into it: that form is served, and NDJSON exports keep the sealed one.
  return { status: 200, body: revealed ? JSON.stringify(resource) : text, contentType: FHIR_JSON };
});
