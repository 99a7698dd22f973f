import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { practitioners } from '../../shared/store/practitioners.ts';
import { contracts } from './contracts.ts';

/** GET /Practitioner/{id} · any role of the organization · audit R · 200|401|404|410 */
export const handler = route(contracts.readPractitioner, async (request) =>
  resourceResponse(await practitioners(request).read(request.params.id), 200, request),
);
