import type { Principal } from '../auth/principal.ts';
import { orgKey } from './keys.ts';
import { accessLogGrant } from './query-access.ts';
import { verifyHours } from './verify.ts';

/**
 * Verifies the chain of the hours `first` to `last` for the caller: the chain is global, the
 * report is scoped to the organization the access-log policy grants.
 */
export function verifyAccessLog(request: { principal: Principal }, first: string, last: string) {
  const { org } = accessLogGrant(request.principal, { interaction: 'verify' });
  return verifyHours(first, last, { scope: orgKey(org) });
}
