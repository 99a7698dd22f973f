import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** PUT /Patient/{id} · clinician (care relationship; break-glass is 403), admin · audit U · 200|400|401|403|404|410|412|422|428 */
export const handler = route(contracts.updatePatient, async (request) => {
  const stored = await patients(request).update(request.params.id, request.ifMatch, request.body);
  return resourceResponse(stored, 200, request);
});
