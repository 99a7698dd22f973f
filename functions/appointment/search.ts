import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { startRange } from '../../shared/schedule/search.ts';
import { appointmentSearch } from '../../shared/store/hooks/appointment-search.ts';
import { searchResources } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/**
 * GET /Appointment?patient=&practitioner=&date=ge..&date=le..&status=&_count= · patient (own),
 * clinician (own practitioner's, patients they may access), admin · audit E · 200|400|401|403
 */
export const handler = route(contracts.searchAppointments, async (request) => {
  const { date } = request.query;
  const dates = date === undefined ? [] : Array.isArray(date) ? date : [date];
  return searchsetResponse(request, 'Appointment', ({ cursor, count }) =>
    searchResources(
      request,
      appointmentSearch,
      { ...request.query, ...startRange(dates), _count: count, _cursor: cursor },
      request.binding,
    ),
  );
});
