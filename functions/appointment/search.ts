import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { appointments, startRange } from '../../shared/store/appointments.ts';
import { contracts } from './contracts.ts';

/**
 * GET /Appointment?patient=&practitioner=&date=ge..&date=le..&status=&_count= · patient (own),
 * clinician (own practitioner's, patients they may access), admin · audit E · 200|400|401|403
 */
export const handler = route(routes.searchAppointments, contracts.searchAppointments, async (request) => {
  const { _cursor, date, ...criteria } = request.query;
  const dates = date === undefined ? [] : Array.isArray(date) ? date : [date];
  const binding = { route: 'searchAppointments', sub: request.principal.sub, criteria, dates };
  const page = await appointments(request).search({ ...request.query, ...startRange(dates) }, binding);
  const params = {
    patient: criteria.patient,
    practitioner: criteria.practitioner,
    status: criteria.status,
    date: dates,
    _count: String(criteria._count),
  };
  return ok(
    bundle(
      'searchset',
      page.matches.map((match) => ({
        fullUrl: `${request.baseUrl}/Appointment/${match.id}`,
        resource: match.resource,
        search: { mode: 'match' as const },
      })),
      {
        self: searchUrl(request.baseUrl, '/Appointment', { ...params, _cursor }),
        next: page.next
          ? searchUrl(request.baseUrl, '/Appointment', { ...params, _cursor: page.next })
          : undefined,
      },
    ),
  );
});
