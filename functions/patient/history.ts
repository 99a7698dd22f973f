import { historyResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = route(contracts.patientHistory, async (request) => {
  const { id } = request.params;
  const page = await patients(request).history(
    id,
    request.query._count,
    request.query._cursor,
    request.binding,
  );
  return historyResponse(request, 'Patient', id, page);
});
