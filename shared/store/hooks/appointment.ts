import { compartmentAccess } from '../../auth/compartment.ts';
import type { Intent, PatientAccess } from '../../auth/policy.ts';
import { Appointment } from '../../fhir/appointment.ts';
import { Patient } from '../../fhir/patient.ts';
import { appointmentDefinition } from '../../resources/appointment.ts';
import { bookedVisit } from '../../schedule/visit.ts';
import { patientAccessOf } from '../patient-access.ts';
import { getHead, type ResourceKind, type Stored } from '../resources.ts';
import type { ResourceType, StoreRequest } from './types.ts';

/**
 * Appointment, in the Patient compartment by its patient participant. The create, change and
 * search hooks are in their own files (appointment-booking.ts, appointment-changes.ts,
 * appointment-search.ts): a hook object spread from this one is kept whole in every bundle
 * that imports its file, so each route imports only the hooks of its own operation.
 */

/** Read for the Patient policy's facts (generalPractitioner); the Patient hooks are not needed. */
const patientKind: ResourceKind<Patient> = { resourceType: 'Patient', schema: Patient };

const HIDDEN: PatientAccess = { allowed: false, hide: true };

/** One request's decisions by intent and patient: a search page asks once per patient. */
const decisions = new WeakMap<StoreRequest, Map<string, Promise<PatientAccess>>>();

/**
 * The Patient policy's decision on this patient for `intent` (reading, or scheduling: booking
 * and changing appointments); an unknown or deleted patient is hidden.
 */
export function patientDecision(
  request: StoreRequest,
  patientId: string,
  intent: Intent,
): Promise<PatientAccess> {
  let known = decisions.get(request);
  if (!known) {
    known = new Map();
    decisions.set(request, known);
  }
  const key = `${intent}#${patientId}`;
  let decision = known.get(key);
  if (!decision) {
    decision = (async (): Promise<PatientAccess> => {
      const head = await getHead(patientKind, request.principal.org, patientId);
      if (!head || head.deleted) return HIDDEN;
      return patientAccessOf(request).decide(patientId, head.resource, intent);
    })();
    known.set(key, decision);
  }
  return decision;
}

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
