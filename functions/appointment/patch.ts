import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { appointmentChanges } from '../../shared/store/hooks/appointment-changes.ts';
import { patchResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** PATCH /Appointment/{id} (application/json-patch+json) · as update · audit U · 200|400|401|403|404|409|412|415|422|428 */
export const handler = route(contracts.patchAppointment, async (request) => {
  const stored = await patchResource(
    request,
    appointmentChanges,
    request.params.id,
    request.ifMatch,
    request.body,
  );
  return resourceResponse(stored, 200, request);
});
