import type { Principal } from '../auth/principal.ts';
import { BadRequestError } from '../base/errors.ts';
import type { RouteDef } from '../routes.ts';

export const BREAK_GLASS_HEADER = 'x-break-glass-reason';

/**
 * The routes that reach patients' records through the Patient policy (the record, its
 * appointments, and the scheduling that books them): only these read the header. Elsewhere it
 * means nothing and is ignored, and the batch endpoint passes it on to each entry's route.
 */
const READ_BY: ReadonlySet<RouteDef['resourceType']> = new Set(['Patient', 'Appointment', 'Slot']);

/**
 * A clinician's break-glass reason, parsed once per request: 10 to 500 characters once trimmed,
 * or a 400 that names the header and not its content. Only clinicians can break the glass, so
 * the header of any other role is not read.
 */
export function breakGlassReasonOf(
  def: RouteDef,
  principal: Principal,
  headers: Readonly<Record<string, string>>,
): string | undefined {
  if (principal.role !== 'clinician' || !READ_BY.has(def.resourceType)) return undefined;
  const reason = headers[BREAK_GLASS_HEADER]?.trim();
  if (reason === undefined) return undefined;
  if (reason.length < 10 || reason.length > 500) {
    throw new BadRequestError('X-Break-Glass-Reason must state the reason in 10 to 500 characters', {
      details: [{ location: 'header.X-Break-Glass-Reason', message: 'must be 10 to 500 characters' }],
    });
  }
  return reason;
}
