import { mayChangeStatus } from '../../auth/scheduling.ts';
import { tableNames } from '../../base/dynamo.ts';
import { ForbiddenError } from '../../base/errors.ts';
import type { Appointment } from '../../fhir/appointment.ts';
import type { JsonPatch } from '../../fhir/json-patch.ts';
import { appointmentChange, patientPatchIssues } from '../../schedule/changes.ts';
import { bookedVisit } from '../../schedule/visit.ts';
import type { Stored } from '../resources.ts';
import { appointmentHeadAttributes, careLinkDelete, lockRelease, visitLocks } from '../schedule-items.ts';
import { appointmentType, SCHEDULE_RETRY } from './appointment.ts';
import type { StoreRequest, Version, VersionPlan, WriteHooks } from './types.ts';

/** The role rule before any patch work: a patient's patch may only cancel. */
export function checkPatientPatch(
  request: StoreRequest,
  _current: Stored<Appointment>,
  operations: JsonPatch,
): void {
  if (request.principal.role !== 'patient') return;
  const issues = patientPatchIssues(operations);
  if (issues.length > 0) {
    throw new ForbiddenError('a patient may only cancel: patch /status and /cancelationReason only', {
      details: issues,
    });
  }
}

/** Status changes and edits; the time and the participants stay (rebooking is cancel + book). */
export async function checkChange(
  request: StoreRequest,
  current: Stored<Appointment>,
  next: Appointment,
): Promise<void> {
  const { principal } = request;
  appointmentChange(current.resource, next, {
    role: principal.role,
    mayChangeStatus: (from, to) => mayChangeStatus(principal, from, to),
  });
}

/**
 * The head keeps the booked visit's index keys with the new status. Cancelling frees the time
 * and ends the care relationship the booking created, in the transaction that records it.
 */
export function changePlan(
  request: StoreRequest,
  version: Version<Appointment>,
  current: Stored<Appointment> | undefined,
): VersionPlan {
  const org = request.principal.org;
  const table = tableNames().records;
  const booked = current?.resource ?? version.resource;
  const visit = bookedVisit(booked);
  const cancelling = version.resource.status === 'cancelled' && booked.status !== 'cancelled';
  return {
    head: appointmentHeadAttributes(org, version.id, visit, version.resource.status),
    items: cancelling
      ? [
          ...visitLocks(org, visit).map(({ key }) => lockRelease(table, key, version.id)),
          careLinkDelete(table, org, visit, version.id),
        ]
      : [],
  };
}

export const appointmentChanges: WriteHooks<Appointment> = {
  ...appointmentType,
  beforePatch: checkPatientPatch,
  beforeChange: checkChange,
  versionPlan: changePlan,
  retryConflicts: SCHEDULE_RETRY,
};
