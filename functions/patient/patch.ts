import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patientWrites } from '../../shared/store/hooks/patient-writes.ts';
import { patchResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** PATCH /Patient/{id} (application/json-patch+json) · as update · audit U · 200|400|401|403|404|410|412|415|422|428 */
export const handler = route(contracts.patchPatient, async (request) => {
  const stored = await patchResource(
    request,
    patientWrites,
    request.params.id,
    request.ifMatch,
    request.body,
  );
  return resourceResponse(stored, 200, request);
});
