import { type AccessLogAsk, accessLogAccess } from '../auth/access-log.ts';
import type { Principal } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError } from '../base/errors.ts';

/**
 * The access-log policy's grant for `ask`, or the refusal thrown: 404 where it hides (a
 * patient's report asked by anyone but that patient), 403 otherwise.
 */
export function accessLogGrant(principal: Principal, ask: AccessLogAsk) {
  const access = accessLogAccess(principal, ask);
  if (access.allowed) return access;
  if (access.hide) {
    const what = ask.interaction === 'access-report' ? `Patient/${ask.patientId}` : 'the AuditEvent';
    throw new NotFoundError(`${what} is not known`);
  }
  throw new ForbiddenError('only compliance staff read the access log');
}
