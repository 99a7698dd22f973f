import { noContent } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { patientWrites } from '../../shared/store/hooks/patient-writes.ts';
import { deleteResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** DELETE /Patient/{id} · clinician (care relationship; break-glass is 403), admin · audit D · 204|401|403|404|412 */
export const handler = route(contracts.deletePatient, async (request) => {
  await deleteResource(request, patientWrites, request.params.id, request.ifMatch);
  return noContent();
});
