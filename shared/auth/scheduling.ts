import type { AppointmentStatus } from '../fhir/appointment.ts';
import type { Principal } from './principal.ts';

/**
 * The patient role's rules for appointments. Staff are decided by the Patient policy alone:
 * these rules only narrow what a patient may do on top of it.
 */

/**
 * A patient may book only for themself (a 403 with "a patient may book appointments only for
 * themself": the caller knows whom they named). Every role's booking is then decided by the
 * Patient policy on the booked patient with intent `schedule`, not by `compartmentAccess`: the
 * participants of an appointment that does not exist yet grant nothing.
 */
export const mayBookFor = (principal: Principal, patientId: string): boolean =>
  principal.role !== 'patient' || principal.patientId === patientId;

/**
 * A patient may only cancel a booked appointment (a 403 otherwise). Which elements a patient's
 * change may touch (status and cancelationReason) is checked on the resource by the scheduling
 * rules before this.
 */
export const mayChangeStatus = (
  principal: Principal,
  from: AppointmentStatus,
  to: AppointmentStatus,
): boolean => principal.role !== 'patient' || (from === 'booked' && to === 'cancelled');
