import { historyResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { patientType } from '../../shared/store/hooks/patient.ts';
import { resourceHistory } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = route(contracts.patientHistory, async (request) => {
  const { id } = request.params;
  const page = await resourceHistory(
    request,
    patientType,
    id,
    request.query._count,
    request.query._cursor,
    request.binding,
  );
  return historyResponse(request, 'Patient', id, page);
});
