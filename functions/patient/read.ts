import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id} · patient (self), clinician (care relationship or break-glass), admin · audit R · 200|401|403|404|410 */
export const handler = route(contracts.readPatient, async (request) =>
  resourceResponse(await patients(request).read(request.params.id), 200, request),
);
