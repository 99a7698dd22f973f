import type { Intent, PatientAccess } from './policy.ts';
import type { Principal } from './principal.ts';

/** Where a stored resource sits in a Patient's compartment, and who it names as its actors. */
export interface CompartmentFacts {
  /** The patient whose compartment holds the resource (for a Patient: its own id). */
  patientId: string;
  /**
   * Practitioner ids the stored resource names as its actors (Appointment.participant.actor);
   * none for a Patient.
   */
  practitionerIds: readonly string[];
}

const ALLOWED: PatientAccess = { allowed: true, breakGlass: false };
const HIDDEN: PatientAccess = { allowed: false, hide: true };

/**
 * The decision on a stored resource in a Patient's compartment, one rule for every such type.
 * An admin may; a patient only in their own compartment, and never for `write` (403); a
 * clinician the resource names as an actor may; any other clinician gets the Patient policy's
 * decision on the compartment's patient (`patientDecision`: care relationship, general
 * practitioner, or break-glass for `read` only); compliance never. Pure: the only I/O is
 * `patientDecision`, called only when a clinician's decision rests on the patient.
 *
 * The caller owns the side effects and the statuses (shared/store/patient-access.ts):
 * - `{ allowed: true, breakGlass: true }`: note it with `access.breakGlass(resource)`;
 * - `{ allowed: false, breakGlass: true }`: throw `access.breakGlassRefused(resource)` (403);
 * - any other refusal: 404 when `hide` (or when the type hides every refusal), else 403.
 *
 * Appointment (shared/store/hooks/appointment.ts appointmentAccess):
 * ```ts
 * const { patientId, practitionerId } = participantsOf(head.resource);
 * const decision = await compartmentAccess(
 *   principal,
 *   { patientId, practitionerIds: [practitionerId] },
 *   intent, // 'read' to see it, 'schedule' to change it
 *   () => patientDecision(patientId, intent), // access.decide on the live Patient head; none: hidden
 * );
 * ```
 * Read and change map every refusal to 404 except the break-glass one (403 via
 * `breakGlassRefused`), and note an allowed break-glass at once. A search notes it only for the
 * matches it returns. A booking is not decided here: the Appointment does not exist yet, so its
 * participants grant nothing (naming oneself must not open a patient); see `mayBookFor`.
 */
export async function compartmentAccess(
  principal: Principal,
  compartment: CompartmentFacts,
  intent: Intent,
  patientDecision: () => Promise<PatientAccess>,
): Promise<PatientAccess> {
  switch (principal.role) {
    case 'admin':
      return ALLOWED;
    case 'patient':
      if (principal.patientId !== compartment.patientId) return HIDDEN;
      // As the Patient policy: a patient reads and schedules; changes to the record go through the clinic.
      return intent === 'write' ? { allowed: false, hide: false } : ALLOWED;
    case 'clinician':
      if (
        principal.practitionerId !== undefined &&
        compartment.practitionerIds.includes(principal.practitionerId)
      ) {
        return ALLOWED;
      }
      return patientDecision();
    case 'compliance':
      // Compliance reads the access log, never clinical content.
      return HIDDEN;
  }
}
