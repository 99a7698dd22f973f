import { AuditTrail } from '../../audit/trail.ts';
import { claimsOfAuthorizer } from '../../auth/api-tokens.ts';
import { principalFromClaims } from '../../auth/principal.ts';
import { ForbiddenError } from '../../base/errors.ts';
import type { RouteDef } from '../../routes.ts';
import { factsOf, type Middleware, stateOf } from './state.ts';

/** The Principal from the verified claims, the request's audit trail, the route table's role check. */
export const authenticate = (def: RouteDef): Middleware => ({
  before: (request) => {
    const state = stateOf(request.event);
    const principal = principalFromClaims(claimsOfAuthorizer(request.event.requestContext?.authorizer));
    state.audit = new AuditTrail(def, principal, factsOf(request.event, state));
    // The coarse check of the route table; the policy in the repositories decides the rest.
    if (!def.roles.includes(principal.role))
      throw new ForbiddenError(`the ${principal.role} role may not use this route`);
  },
});
