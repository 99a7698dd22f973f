import { capabilityStatement } from '../../shared/fhir/capability.ts';
import { publicRoute } from '../../shared/http/public-route.ts';
import { ok } from '../../shared/http/response.ts';
import { routes } from '../../shared/routes.ts';

/** GET /metadata · anyone · not audited · 200 */
export const handler = publicRoute(routes.metadata, async ({ baseUrl }) => ok(capabilityStatement(baseUrl)));
