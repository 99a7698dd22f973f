import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { appointments, startRange } from '../../shared/store/appointments.ts';
import { contracts } from './contracts.ts';

/**
 * GET /Appointment?patient=&practitioner=&date=ge..&date=le..&status=&_count= · patient (own),
 * clinician (own practitioner's, patients they may access), admin · audit E · 200|400|401|403
 */
export const handler = route(contracts.searchAppointments, async (request) => {
  const { date } = request.query;
  const dates = date === undefined ? [] : Array.isArray(date) ? date : [date];
  return searchsetResponse(request, 'Appointment', ({ cursor, count }) =>
    appointments(request).search(
      { ...request.query, ...startRange(dates), _count: count, _cursor: cursor },
      request.binding,
    ),
  );
});
