import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { idempotencyOf } from '../../shared/store/idempotency.ts';
import { practitioners } from '../../shared/store/practitioners.ts';
import { contracts } from './contracts.ts';

/** POST /Practitioner · admin · audit C · 201|400|401|403|415|422 (working hours: shared/fhir/working-hours.ts) */
export const handler = route(routes.createPractitioner, contracts.createPractitioner, async (request) => {
  const { stored } = await practitioners(request).create(
    request.body,
    idempotencyOf(request.principal, request.headers, request.body),
  );
  return resourceResponse(stored, 201, request);
});
