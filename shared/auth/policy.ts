import { BadRequestError } from '../http/errors.ts';
import type { Role } from '../routes.ts';
import type { Principal } from './principal.ts';

/**
 * Who may do what to whom. Pure decisions over facts the repositories gather; the
 * repositories apply them on every read and write, so no handler can skip them.
 */

export const BREAK_GLASS_HEADER = 'x-break-glass-reason';

export type PatientAccess =
  /** Allowed on the caller's own standing. */
  | { allowed: true; breakGlass: false }
  /** Allowed only because the clinician stated a break-glass reason: audited with purpose BTG. */
  | { allowed: true; breakGlass: true }
  /**
   * Refused. `hide` answers 404 so that a refusal does not reveal that the record exists;
   * otherwise 403 (the caller knows the record: their own, refused for the action).
   */
  | { allowed: false; hide: boolean };

export interface PatientFacts {
  patientId: string;
  /** Practitioner ids referenced by Patient.generalPractitioner. */
  generalPractitioners: readonly string[];
  /** Whether the practitioner has a care relationship (booking) with the patient. */
  hasCareLink: () => Promise<boolean>;
}

export type Intent = 'read' | 'write';

const MANAGERS: readonly Role[] = ['admin'];

export async function patientAccess(
  principal: Principal,
  facts: PatientFacts,
  intent: Intent,
  breakGlassReason: string | undefined,
): Promise<PatientAccess> {
  switch (principal.role) {
    case 'patient':
      if (principal.patientId !== facts.patientId) return { allowed: false, hide: true };
      // Patients read their record; changes go through the clinic.
      return intent === 'read' ? { allowed: true, breakGlass: false } : { allowed: false, hide: false };
    case 'clinician': {
      const pid = principal.practitionerId;
      if (pid && (facts.generalPractitioners.includes(pid) || (await facts.hasCareLink()))) {
        return { allowed: true, breakGlass: false };
      }
      if (breakGlassReason) return { allowed: true, breakGlass: true };
      return { allowed: false, hide: true };
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

/** The break-glass reason from the request: 10 to 500 characters, or a 400. */
export function breakGlassReason(headers: Readonly<Record<string, string>>): string | undefined {
  const reason = headers[BREAK_GLASS_HEADER]?.trim();
  if (reason === undefined) return undefined;
  if (reason.length < 10 || reason.length > 500) {
    throw new BadRequestError('X-Break-Glass-Reason must state the reason in 10 to 500 characters', {
      details: [{ location: 'header.X-Break-Glass-Reason', message: 'must be 10 to 500 characters' }],
    });
  }
  return reason;
}
