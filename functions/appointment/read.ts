import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { appointments } from '../../shared/store/appointments.ts';
import { contracts } from './contracts.ts';

/** GET /Appointment/{id} · patient (own), clinician (own practitioner's, or patient access), admin · audit R · 200|401|403|404 */
export const handler = route(contracts.readAppointment, async (request) =>
  resourceResponse(await appointments(request).read(request.params.id), 200, request),
);
