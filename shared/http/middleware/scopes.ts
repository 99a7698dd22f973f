import { routeScopeDecision } from '../../auth/scopes.ts';
import { ForbiddenError } from '../../base/errors.ts';
import type { RouteDef } from '../../routes.ts';
import { type Middleware, stateOf } from './state.ts';

/**
 * A SMART access token reaches only what its scopes grant, on top of the role policy (which
 * still runs: a scope never widens a role). The refusal is a 403 naming the scope, audited by
 * `audit`'s onError like any refusal.
 */
export const scopes = (def: RouteDef): Middleware => ({
  before: (request) => {
    const principal = stateOf(request.event).audit?.principal;
    if (!principal) throw new Error('authentication did not run');
    const decision = routeScopeDecision(principal, def);
    if (decision && !decision.allowed) {
      throw new ForbiddenError(`the token's scopes do not grant ${decision.missing}`);
    }
  },
});
