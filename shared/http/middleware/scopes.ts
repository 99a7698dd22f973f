import { routeScopeDecision, scopeContextOf } from '../../auth/scopes.ts';
import { ForbiddenError } from '../../base/errors.ts';
import { engineDefinitions } from '../../resources/registry.ts';
import type { RouteDef } from '../../routes.ts';
import { type Middleware, stateOf } from './state.ts';

/**
 * The types whose resource routes go through the resource engine, which applies a token's
 * launch patient and granular restrictions to every resource it reads or writes
 * (shared/store/repository.ts). Other routes (the access log, operations) cannot, so they
 * refuse what they would otherwise widen.
 */
const ENGINE_TYPES: ReadonlySet<string> = new Set(engineDefinitions.map((type) => type.resourceType));
const ENGINE_INTERACTIONS: ReadonlySet<RouteDef['interaction']> = new Set([
  'read',
  'vread',
  'history-instance',
  'search-type',
  'create',
  'update',
  'patch',
  'delete',
]);
/** Types in the R4 Patient compartment that routes outside the engine serve. */
const COMPARTMENT_TYPES: ReadonlySet<string> = new Set(['Patient', 'AuditEvent']);

/**
 * A SMART access token reaches only what its scopes grant, on top of the role policy (which
 * still runs: a scope never widens a role). The refusal is a 403 naming the scope, audited by
 * `audit`'s onError like any refusal. What the route's scope allows is narrowed further, per
 * resource, by the repository (launch patient, granular restriction).
 */
export const scopes = (def: RouteDef): Middleware => ({
  before: (request) => {
    const state = stateOf(request.event);
    const principal = state.audit?.principal;
    if (!principal) throw new Error('authentication did not run');
    const decision = routeScopeDecision(principal, def);
    if (!decision) return;
    if (!decision.allowed) throw new ForbiddenError(`the token's scopes do not grant ${decision.missing}`);
    // A conditional create searches first: it needs the search its criteria run.
    if (def.interaction === 'create' && state.headers['if-none-exist'] !== undefined) {
      const search = routeScopeDecision(principal, { ...def, interaction: 'search-type' });
      if (search && !search.allowed) {
        throw new ForbiddenError(
          `the token's scopes do not grant ${search.missing} (If-None-Exist searches)`,
        );
      }
    }
    const engine = def.resourceType !== undefined && ENGINE_TYPES.has(def.resourceType);
    if (engine && ENGINE_INTERACTIONS.has(def.interaction)) return;
    if (decision.restrictions.length > 0) {
      throw new ForbiddenError(
        `a granular scope (with a search restriction) does not apply to ${def.method} ${def.path}: it needs a scope without one`,
      );
    }
    if (
      scopeContextOf(principal) === 'patient' &&
      principal.launchPatient !== undefined &&
      def.resourceType !== undefined &&
      COMPARTMENT_TYPES.has(def.resourceType)
    ) {
      throw new ForbiddenError(
        `a token with a launch patient reaches ${def.method} ${def.path} only through the resource routes`,
      );
    }
  },
});
