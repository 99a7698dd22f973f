import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patientWrites } from '../../shared/store/hooks/patient-writes.ts';
import { updateResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** PUT /Patient/{id} · clinician (care relationship; break-glass is 403), admin · audit U · 200|400|401|403|404|410|412|422|428 */
export const handler = route(contracts.updatePatient, async (request) => {
  const stored = await updateResource(
    request,
    patientWrites,
    request.params.id,
    request.ifMatch,
    request.body,
  );
  return resourceResponse(stored, 200, request);
});
