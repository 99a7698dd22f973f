import { historyResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { appointmentType } from '../../shared/store/hooks/appointment.ts';
import { resourceHistory } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Appointment/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = route(contracts.appointmentHistory, async (request) => {
  const { id } = request.params;
  const { _count, _cursor } = request.query;
  const page = await resourceHistory(request, appointmentType, id, _count, _cursor, request.binding);
  return historyResponse(request, 'Appointment', id, page);
});
