import type { Principal } from './principal.ts';

/**
 * What a caller asks of the access log: `search` (the Bundle and its NDJSON/CSV exports),
 * `read` one AuditEvent, `verify` the chain, or a patient's `access-report` of their record.
 */
export type AccessLogAsk =
  | { interaction: 'search' | 'read' | 'verify' }
  | { interaction: 'access-report'; patientId: string };

export type AccessLogAccess =
  /**
   * Allowed, always within the caller's own organization. `patientId`: only the AuditEvents
   * that disclose this patient. `revealReasons`: break-glass reasons are opened into the events.
   */
  | { allowed: true; org: string; patientId?: string; revealReasons: boolean }
  /** Refused: `hide` answers 404 (the patient's record is not revealed), otherwise 403. */
  | { allowed: false; hide: boolean };

/**
 * Who may read which AuditEvents. Compliance staff search, read, export and verify the log
 * of their organization and see the break-glass reasons (their functions alone hold the
 * Decrypt grant that opens them). A patient sees who accessed their own record, with the
 * coded purpose and not the clinician's reason; anyone else asking for a patient's report
 * gets a 404, as for a record they may not see. Clinicians and admins do not read the log:
 * it audits them. Pure.
 */
export function accessLogAccess(principal: Principal, ask: AccessLogAsk): AccessLogAccess {
  const org = principal.org;
  if (ask.interaction === 'access-report') {
    return principal.role === 'patient' && principal.patientId === ask.patientId
      ? { allowed: true, org, patientId: ask.patientId, revealReasons: false }
      : { allowed: false, hide: true };
  }
  if (principal.role !== 'compliance') return { allowed: false, hide: false };
  return { allowed: true, org, revealReasons: ask.interaction !== 'verify' };
}
