/**
 * What may change in a booked Appointment, and by whom. Pure: no I/O, unit-tested.
 * Rebooking is cancel + book: the time and the participants of a booking never change, so
 * its locks and care link stay right for as long as it holds them.
 */
import { isDeepStrictEqual } from 'node:util';
import { ConflictError, ForbiddenError, UnprocessableError } from '../base/errors.ts';
import type { Appointment, AppointmentStatus } from '../fhir/appointment.ts';
import type { FhirIssue } from '../fhir/issues.ts';
import type { JsonPatch } from '../fhir/json-patch.ts';
import type { Role } from '../routes.ts';
import { bookedVisit, participantsOf } from './visit.ts';

/**
 * The life cycle served: booked -> arrived -> fulfilled; booked -> cancelled (frees the time);
 * booked -> noshow. Anything else is a 409: the change conflicts with the current state.
 */
export const TRANSITIONS: Readonly<Partial<Record<AppointmentStatus, readonly AppointmentStatus[]>>> = {
  booked: ['arrived', 'cancelled', 'noshow'],
  arrived: ['fulfilled'],
};

/** What a patient may touch in their appointment: they cancel it, with a reason. */
const PATIENT_PATH = /^\/(status|cancelationReason)(\/|$)/;

/**
 * The operations of a patient's JSON Patch that reach beyond status and cancelationReason.
 * Checked before the patch is applied, so a patient's patch never does other work. `copy` and
 * `move` are refused too: a cancellation needs neither, and a reason copied into itself
 * doubles with every operation.
 */
export function patientPatchIssues(operations: JsonPatch): FhirIssue[] {
  return operations.flatMap((operation, index) =>
    'from' in operation || !PATIENT_PATH.test(operation.path)
      ? [
          {
            location: `JsonPatch[${index}]`,
            message: 'a patient may only add, replace, remove or test /status and /cancelationReason',
          },
        ]
      : [],
  );
}

/** The elements a patient's new version changes beyond status and cancelationReason. */
export function patientChangeIssues(current: Appointment, next: Appointment): FhirIssue[] {
  const comparable = (appointment: Appointment): Record<string, unknown> => {
    const { status: _status, cancelationReason: _reason, meta, ...rest } = appointment;
    const { versionId: _version, lastUpdated: _updated, ...clientMeta } = meta ?? {};
    return Object.keys(clientMeta).length > 0 ? { ...rest, meta: clientMeta } : rest;
  };
  const before = comparable(current);
  const after = comparable(next);
  // Both sides are parsed JSON: deep equality is equality of their JSON, whatever the key order.
  return [...new Set([...Object.keys(before), ...Object.keys(after)])]
    .sort()
    .filter((element) => !isDeepStrictEqual(before[element], after[element]))
    .map((element) => ({
      location: `Appointment.${element}`,
      message: 'a patient may change only status and cancelationReason',
    }));
}

/** Who makes a change: their role, and the access policy's rule on status changes (shared/auth/scheduling.ts). */
export interface Changer {
  role: Role;
  mayChangeStatus(from: AppointmentStatus, to: AppointmentStatus): boolean;
}

/**
 * Checks `next` as the new version of the booked `current` and says whether it cancels
 * (which frees the time and ends the care link). Throws the answer for a change that may not
 * be made: 403 for a patient beyond status and cancelationReason, 422 for a new time or other
 * participants, 409 for a transition the life cycle does not have, 403 for a status change
 * the caller may not make, 422 for a cancellation without a reason.
 */
export function appointmentChange(
  current: Appointment,
  next: Appointment,
  by: Changer,
): { cancelling: boolean } {
  if (by.role === 'patient') {
    const issues = patientChangeIssues(current, next);
    if (issues.length > 0) {
      throw new ForbiddenError('a patient may only cancel: change status and cancelationReason only', {
        details: issues,
      });
    }
  }
  const visit = bookedVisit(current);
  const proposed = participantsOf(next).participants;
  const sameTime =
    next.start !== undefined &&
    next.end !== undefined &&
    Date.parse(next.start) === visit.start &&
    Date.parse(next.end) === visit.end;
  if (
    !sameTime ||
    proposed?.patientId !== visit.patientId ||
    proposed.practitionerId !== visit.practitionerId ||
    next.participant.length !== current.participant.length
  ) {
    throw new UnprocessableError('start, end and participants cannot change; cancel and book again', {
      details: [{ location: 'Appointment', message: 'start, end and participants must stay as booked' }],
    });
  }
  const from = current.status;
  const to = next.status;
  if (from !== to && !(TRANSITIONS[from] ?? []).includes(to)) {
    throw new ConflictError(`an appointment that is ${from} cannot become ${to}`, {
      code: 'business-rule',
      details: [{ location: 'Appointment.status', message: `cannot change from ${from} to ${to}` }],
    });
  }
  if (!by.mayChangeStatus(from, to)) {
    throw new ForbiddenError('a patient may only cancel a booked appointment');
  }
  if (to === 'cancelled' && next.cancelationReason === undefined) {
    throw new UnprocessableError('a cancellation needs a cancelationReason', {
      details: [{ location: 'Appointment.cancelationReason', message: 'is required when cancelling' }],
    });
  }
  return { cancelling: to === 'cancelled' && from !== 'cancelled' };
}
