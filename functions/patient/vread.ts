import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patientType } from '../../shared/store/hooks/patient.ts';
import { readResourceVersion } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/_history/{vid} · as read · audit R · 200|401|403|404|410 */
export const handler = route(contracts.readPatientVersion, async (request) =>
  resourceResponse(
    await readResourceVersion(request, patientType, request.params.id, Number(request.params.vid)),
    200,
    request,
  ),
);
