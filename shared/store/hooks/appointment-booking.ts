import { mayBookFor } from '../../auth/scheduling.ts';
import { tableNames } from '../../base/dynamo.ts';
import { ForbiddenError, UnprocessableError } from '../../base/errors.ts';
import type { Appointment } from '../../fhir/appointment.ts';
import { clashError } from '../../schedule/clash.ts';
import { assertWithinWorkingHours, bookableVisit, bookedVisit } from '../../schedule/visit.ts';
import { workingHoursOf } from '../../schedule/working-hours.ts';
import { patientAccessOf } from '../patient-access.ts';
import { appointmentHeadAttributes, careLinkPut, lockWrite, visitLocks } from '../schedule-items.ts';
import { appointmentType, SCHEDULE_RETRY } from './appointment.ts';
import { patientDecision } from './patient-decision.ts';
import { livePractitioner } from './practitioner.ts';
import type { StoreRequest, Version, VersionPlan, WriteHooks } from './types.ts';

/** What a participant reference that names nobody bookable answers: unknown, whatever the reason. */
const unknownParticipant = (reference: string, index: number) =>
  new UnprocessableError(`${reference} is not known`, {
    details: [{ location: `Appointment.participant[${index}].actor`, message: `${reference} is not known` }],
  });

/**
 * A booking's checks before it gets an id: a bookable visit (422), a patient books only for
 * themself (403), a live practitioner of the organization (422), the patient's policy allows
 * scheduling (unknown, deleted and not allowed read alike: 422; break-glass: the audited 403),
 * and the visit within the practitioner's working hours (422).
 */
export async function checkBooking(request: StoreRequest, appointment: Appointment): Promise<Appointment> {
  const { principal, audit } = request;
  const visit = bookableVisit(appointment, Date.now());
  if (!mayBookFor(principal, visit.patientId)) {
    throw new ForbiddenError('a patient may book appointments only for themself');
  }
  const practitioner = await livePractitioner(principal.org, visit.practitionerId);
  if (!practitioner)
    throw unknownParticipant(`Practitioner/${visit.practitionerId}`, visit.practitionerIndex);
  audit.concernsPatient(visit.patientId);
  const decision = await patientDecision(request, visit.patientId, 'schedule');
  if (!decision.allowed) {
    // Break-glass opens a record for reading: a booking under it would leave a care relationship.
    if (decision.breakGlass) throw patientAccessOf(request).breakGlassRefused(`Patient/${visit.patientId}`);
    throw unknownParticipant(`Patient/${visit.patientId}`, visit.patientIndex);
  }
  assertWithinWorkingHours(workingHoursOf(practitioner.resource), visit);
  return { ...appointment, created: appointment.created ?? new Date().toISOString() };
}

/**
 * The booking's transaction items besides the Appointment: both participants' locks and the
 * care link, so an overlapping booking can never commit and a refused one leaves nothing.
 * A failed lock condition names who is busy when.
 */
export function bookingPlan(request: StoreRequest, version: Version<Appointment>): VersionPlan {
  const org = request.principal.org;
  const table = tableNames().records;
  const visit = bookedVisit(version.resource);
  const locks = visitLocks(org, visit);
  return {
    head: appointmentHeadAttributes(org, version.id, visit, version.resource.status),
    items: [
      ...locks.map(({ key }) => lockWrite(table, key, version.id)),
      careLinkPut(table, org, visit, version.id),
    ],
    onCancel: (codes) => {
      const clashes = locks.filter((_, index) => codes[index] === 'ConditionalCheckFailed');
      return clashes.length > 0 ? clashError(clashes.map(({ use }) => use)) : undefined;
    },
  };
}

export const appointmentBooking: WriteHooks<Appointment> = {
  ...appointmentType,
  beforeCreate: checkBooking,
  versionPlan: bookingPlan,
  retryConflicts: SCHEDULE_RETRY,
};
