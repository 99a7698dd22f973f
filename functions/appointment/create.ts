import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { appointmentBooking } from '../../shared/store/hooks/appointment-booking.ts';
import { createResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/**
 * POST /Appointment · patient (for themself), clinician (patients they care for; break-glass is 403), admin ·
 * audit C · 201|400|401|403|409 (time taken)|415|422 (invalid visit, unknown participant, outside working hours)
 */
export const handler = route(contracts.createAppointment, async (request) => {
  const { stored } = await createResource(request, appointmentBooking, request.body, request.idempotency);
  return resourceResponse(stored, 201, request);
});
