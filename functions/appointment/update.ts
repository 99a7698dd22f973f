import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { appointmentChanges } from '../../shared/store/hooks/appointment-changes.ts';
import { updateResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/**
 * PUT /Appointment/{id} · as read, without break-glass; a patient may only cancel (status, cancelationReason) · audit U ·
 * 200|400|401|403|404|409 (illegal transition)|412|422 (time or participants changed)|428
 */
export const handler = route(contracts.updateAppointment, async (request) => {
  const stored = await updateResource(
    request,
    appointmentChanges,
    request.params.id,
    request.ifMatch,
    request.body,
  );
  return resourceResponse(stored, 200, request);
});
