import { compartmentAccess } from '../../auth/compartment.ts';
import type { Intent, PatientAccess } from '../../auth/policy.ts';
import { Appointment } from '../../fhir/appointment.ts';
import { appointmentDefinition } from '../../resources/appointment.ts';
import { bookedVisit } from '../../schedule/visit.ts';
import type { Stored } from '../resources.ts';
import { patientDecision } from './patient-decision.ts';
import type { ResourceType, StoreRequest } from './types.ts';

/**
 * Appointment, in the Patient compartment by its patient participant. The create, change and
 * search hooks are in their own files (appointment-booking.ts, appointment-changes.ts,
 * appointment-search.ts): a hook object spread from this one is kept whole in every bundle
 * that imports its file, so each route imports only the hooks of its own operation.
 */

const HIDDEN: PatientAccess = { allowed: false, hide: true };

/**
 * Who may see (`read`) or change (`schedule`) an appointment: the compartment rule
 * (shared/auth/compartment.ts) with the practitioner participant as its actor. Every refusal
 * is a 404 (no existence leak), but a change resting on break-glass is the audited 403.
 */
export async function appointmentAccess(
  request: StoreRequest,
  stored: Stored<Appointment>,
  intent: Intent,
): Promise<PatientAccess> {
  const { patientId, practitionerId } = bookedVisit(stored.resource);
  const decision = await compartmentAccess(
    request.principal,
    { patientId, practitionerIds: [practitionerId] },
    intent,
    () => patientDecision(request, patientId, intent),
  );
  if (decision.allowed) return decision;
  return decision.breakGlass ? { allowed: false, hide: true, breakGlass: true } : HIDDEN;
}

/**
 * Bookings and changes contend for lock items: a transaction that lost only a race (no
 * condition failed) is tried again.
 */
export const SCHEDULE_RETRY = { busyMessage: 'the schedule is busy; retry the request' };

export const appointmentType: ResourceType<Appointment> = {
  ...appointmentDefinition,
  schema: Appointment,
  compartmentPatient: (appointment) => bookedVisit(appointment).patientId,
  access: appointmentAccess,
  changeIntent: 'schedule',
};
