import * as z from 'zod/mini';
import { AppointmentStatus } from '../../shared/fhir/appointment.ts';
import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { count, cursor } from '../../shared/http/params.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { appointments, startRange } from '../../shared/store/appointments.ts';

/** `patient=Patient/p1` or `patient=p1`, given once. */
const reference = (type: 'Patient' | 'Practitioner') =>
  z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(z.regex(new RegExp(`^(${type}/)?[A-Za-z0-9.-]{1,64}$`), `must be ${type}/<id> or an id`)),
      z.transform((value) => value.replace(`${type}/`, '')),
    ),
  );

const dateValue = z
  .string()
  .check(
    z.regex(
      /^(ge|gt|le|lt|eq)?\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/,
      'must be [ge|gt|le|lt|eq]YYYY-MM-DD or an instant with an offset',
    ),
  );

const AppointmentQuery = z.strictObject({
  patient: reference('Patient'),
  practitioner: reference('Practitioner'),
  date: z.optional(
    z.union([dateValue, z.array(dateValue).check(z.maxLength(2, 'must be given at most twice'))]),
  ),
  status: z.optional(AppointmentStatus),
  _count: count,
  _cursor: cursor,
});

/**
 * GET /Appointment?patient=&practitioner=&date=ge..&date=le..&status=&_count= · patient (own),
 * clinician (own practitioner's, patients they may access), admin · audit E · 200|400|401|403
 */
export const handler = route(routes.searchAppointments, { query: AppointmentQuery }, async (request) => {
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
