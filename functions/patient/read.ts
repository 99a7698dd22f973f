import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patientType } from '../../shared/store/hooks/patient.ts';
import { readResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id} · patient (self), clinician (care relationship or break-glass), admin · audit R · 200|401|403|404|410 */
export const handler = route(contracts.readPatient, async (request) =>
  resourceResponse(await readResource(request, patientType, request.params.id), 200, request),
);
