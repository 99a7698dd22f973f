import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** PATCH /Patient/{id} (application/json-patch+json) · as update · audit U · 200|400|401|403|404|410|412|415|422|428 */
export const handler = route(contracts.patchPatient, async (request) => {
  const stored = await patients(request).patch(request.params.id, request.ifMatch, request.body);
  return resourceResponse(stored, 200, request);
});
