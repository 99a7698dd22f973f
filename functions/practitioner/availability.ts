import { randomUUID } from 'node:crypto';
import { bundle, searchUrl } from '../../shared/fhir/bundle.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { availabilityPeriod } from '../../shared/schedule/availability.ts';
import { practitionerAvailability } from '../../shared/store/availability.ts';
import { contracts } from './contracts.ts';

/**
 * GET /Practitioner/{id}/$availability?start=&end= · patient, clinician, admin of the organization ·
 * audit E · 200|400|401|403|404. Free and busy Slots within working hours; at most 31 days.
 */
export const handler = route(contracts.practitionerAvailability, async (request) => {
  const { id } = request.params;
  const { from, to } = availabilityPeriod(request.query.start, request.query.end);
  const stretches = await practitionerAvailability(request, id, from, to);
  // The practitioner's schedule, included so that every Slot's reference resolves in the Bundle.
  const scheduleUrl = `urn:uuid:${randomUUID()}`;
  const schedule = {
    resourceType: 'Schedule',
    active: true,
    actor: [{ reference: `Practitioner/${id}` }],
    planningHorizon: { start: request.query.start, end: request.query.end },
  };
  return ok(
    bundle(
      'searchset',
      [
        ...stretches.map((stretch) => ({
          resource: {
            resourceType: 'Slot',
            schedule: { reference: scheduleUrl },
            status: stretch.status,
            start: new Date(stretch.start).toISOString(),
            end: new Date(stretch.end).toISOString(),
          },
          search: { mode: 'match' as const },
        })),
        { fullUrl: scheduleUrl, resource: schedule, search: { mode: 'include' as const } },
      ],
      { self: searchUrl(request.baseUrl, `/Practitioner/${id}/$availability`, request.query) },
      stretches.length,
    ),
  );
});
