import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { practitionerWrites } from '../../shared/store/hooks/practitioner-writes.ts';
import { createResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** POST /Practitioner · admin · audit C · 201|400|401|403|415|422 (working hours: shared/fhir/working-hours.ts) */
export const handler = route(contracts.createPractitioner, async (request) => {
  const { stored } = await createResource(request, practitionerWrites, request.body, request.idempotency);
  return resourceResponse(stored, 201, request);
});
