import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { practitionerType } from '../../shared/store/hooks/practitioner.ts';
import { readResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Practitioner/{id} · any role of the organization · audit R · 200|401|404|410 */
export const handler = route(contracts.readPractitioner, async (request) =>
  resourceResponse(await readResource(request, practitionerType, request.params.id), 200, request),
);
