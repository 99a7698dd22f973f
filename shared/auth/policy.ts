import type { Role } from '../routes.ts';
import type { Principal } from './principal.ts';

/**
 * Who may do what to whom. Pure decisions over facts the repositories gather; the
 * repositories apply them on every read and write, so no handler can skip them.
 */

export type PatientAccess =
  /** Allowed on the caller's own standing. */
  | { allowed: true; breakGlass: false }
  /** Allowed only because the clinician stated a break-glass reason: audited with purpose BTG. */
  | { allowed: true; breakGlass: true }
  /**
   * Refused. `hide` answers 404 so that a refusal does not reveal that the record exists;
   * otherwise 403 (the caller knows the record: their own, refused for the action).
   * `breakGlass`: the caller stated a break-glass reason, which does not grant this intent;
   * the refusal is a 403 audited with purpose BTG.
   */
  | { allowed: false; hide: boolean; breakGlass?: true };

/** What a care relationship rests on: a visit, a registration, or membership of the patient's CareTeam. */
export type CareBasis = 'appointment' | 'registration' | 'careteam';

/** One recorded care relationship of the practitioner with the patient. */
export interface CareLink {
  basis: CareBasis;
  /** When the basis begins (epoch ms), where it may begin later than its link was written (a CareTeam's period). */
  start?: number;
  /** When the basis ended or ends (epoch ms): an appointment's end, a registration's time. */
  end: number;
}

export interface PatientFacts {
  patientId: string;
  /** Practitioner ids referenced by Patient.generalPractitioner. */
  generalPractitioners: readonly string[];
  /**
   * The practitioner's care links with the patient that can decide: at least the one that
   * ends last. A cancelled appointment has none (cancelling deletes its link).
   */
  careLinks: () => Promise<readonly CareLink[]>;
  /** The decision's time (epoch ms). */
  now: number;
  /** How long a care link keeps granting access after its basis ended (ms). */
  careAccessAfterMs: number;
}

/**
 * `read`: read, vread, history and search. `write`: change the Patient record (PUT, PATCH,
 * DELETE). `schedule`: book or change an appointment of the patient.
 */
export type Intent = 'read' | 'write' | 'schedule';

const MANAGERS: readonly Role[] = ['admin'];

/** A link grants access from its creation until `careAccessAfterMs` after its basis ended. */
export const careLinkGrants = (link: CareLink, now: number, careAccessAfterMs: number): boolean =>
  Number.isFinite(link.end) &&
  now <= link.end + careAccessAfterMs &&
  (link.start === undefined || now >= link.start);

async function caresFor(practitionerId: string | undefined, facts: PatientFacts): Promise<boolean> {
  if (!practitionerId) return false;
  if (facts.generalPractitioners.includes(practitionerId)) return true;
  return (await facts.careLinks()).some((link) => careLinkGrants(link, facts.now, facts.careAccessAfterMs));
}

export async function patientAccess(
  principal: Principal,
  facts: PatientFacts,
  intent: Intent,
  /** The clinician's stated break-glass reason, already validated by the HTTP layer. */
  breakGlassReason: string | undefined,
): Promise<PatientAccess> {
  switch (principal.role) {
    case 'patient':
      if (principal.patientId !== facts.patientId) return { allowed: false, hide: true };
      // Patients read their record and book their own visits; record changes go through the clinic.
      return intent === 'write' ? { allowed: false, hide: false } : { allowed: true, breakGlass: false };
    case 'clinician': {
      if (await caresFor(principal.practitionerId, facts)) return { allowed: true, breakGlass: false };
      if (!breakGlassReason) return { allowed: false, hide: true };
      // Break-glass opens the record for reading only. A write resting on it could leave a
      // lasting relationship behind (a booking, a generalPractitioner reference) and turn one
      // emergency into ordinary, unflagged access.
      return intent === 'read'
        ? { allowed: true, breakGlass: true }
        : { allowed: false, hide: false, breakGlass: true };
    }
    case 'admin':
      return MANAGERS.includes(principal.role)
        ? { allowed: true, breakGlass: false }
        : { allowed: false, hide: true };
    case 'compliance':
      // Compliance reads the access log, never clinical content.
      return { allowed: false, hide: true };
  }
}
