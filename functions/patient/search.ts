import * as z from 'zod/mini';
import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { AdministrativeGender } from '../../shared/fhir/patient.ts';
import { id } from '../../shared/fhir/primitives.ts';
import { count, cursor, searchValue } from '../../shared/http/params.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { patients } from '../../shared/store/patients.ts';

const PatientQuery = z.strictObject({
  _id: z.optional(id),
  family: searchValue(),
  given: searchValue(),
  name: searchValue(),
  birthdate: z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(
          z.regex(
            /^(eq)?\d{4}(-\d{2}(-\d{2})?)?$/,
            'must be a date (YYYY, YYYY-MM or YYYY-MM-DD); only equality is served',
          ),
        ),
      z.transform((value) => value.replace(/^eq/, '')),
    ),
  ),
  gender: z.optional(AdministrativeGender),
  identifier: searchValue(512),
  _count: count,
  _cursor: cursor,
});

/** GET /Patient?family=&given=&name=&birthdate=&gender=&identifier=&_id=&_count= · patient (self), clinician (their patients, or all with break-glass), admin · audit E · 200|400|401|403 */
export const handler = route(routes.searchPatients, { query: PatientQuery }, async (request) => {
  const { _cursor, ...criteria } = request.query;
  const binding = { route: 'searchPatients', sub: request.principal.sub, criteria };
  const page = await patients(request).search(request.query, binding);
  const params = Object.fromEntries(Object.entries(criteria).map(([name, value]) => [name, String(value)]));
  return ok(
    bundle(
      'searchset',
      page.matches.map((match) => ({
        fullUrl: `${request.baseUrl}/Patient/${match.id}`,
        resource: match.resource,
        search: { mode: 'match' as const },
      })),
      {
        self: searchUrl(request.baseUrl, '/Patient', { ...params, _cursor }),
        next: page.next
          ? searchUrl(request.baseUrl, '/Patient', { ...params, _cursor: page.next })
          : undefined,
      },
    ),
  );
});
