import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { appointmentType } from '../../shared/store/hooks/appointment.ts';
import { readResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Appointment/{id} · patient (own), clinician (own practitioner's, or patient access), admin · audit R · 200|401|403|404 */
export const handler = route(contracts.readAppointment, async (request) =>
  resourceResponse(await readResource(request, appointmentType, request.params.id), 200, request),
);
