/**
 * SMART App Launch 2.0 scopes, pure: what a scope string means and whether the scopes a token
 * carries allow one interaction. The role policy still decides on top of this: a scope can
 * only narrow what the user's role and care relationships allow, never widen it.
 */

import { matchesCriteria } from '../fhir/search-match.ts';
import type { SearchParameter } from '../resources/definition.ts';
import type { RouteDef } from '../routes.ts';
import type { Principal } from './principal.ts';

/** Whose data a resource scope reaches: the launch patient's, the user's, or a backend's. */
export type ScopeContext = 'patient' | 'user' | 'system';

/** SMART v2 interactions: create, read, update, delete, search. */
export type Interaction = 'c' | 'r' | 'u' | 'd' | 's';

const INTERACTIONS: readonly Interaction[] = ['c', 'r', 'u', 'd', 's'];

/** v1 suffixes as their v2 equivalents (App Launch 2.0, "Scopes for requesting FHIR resources"). */
const V1_SUFFIXES: Readonly<Record<string, readonly Interaction[]>> = {
  read: ['r', 's'],
  write: ['c', 'u', 'd'],
  '*': INTERACTIONS,
};

export type ResourceScope = {
  kind: 'resource';
  /** The scope as granted, for the token's `scope` and for naming it back. */
  text: string;
  context: ScopeContext;
  /** A FHIR resource type, or `*` for every type. */
  resourceType: string;
  interactions: readonly Interaction[];
  /** A granular scope's search restriction (`?category=vital-signs`), in order; empty if none. */
  parameters: readonly (readonly [name: string, value: string])[];
};

/** Scopes that ask for something other than resource access. */
export const NON_RESOURCE_SCOPES = ['openid', 'fhirUser', 'launch/patient', 'offline_access'] as const;
export type NonResourceScope = { kind: (typeof NON_RESOURCE_SCOPES)[number]; text: string };

export type Scope = ResourceScope | NonResourceScope;

export type ParsedScope = { ok: true; scope: Scope } | { ok: false; scope: string; reason: string };

const RESOURCE_SCOPE = /^(patient|user|system)\/([^.?]+)\.([^?]+)(?:\?(.*))?$/;
const RESOURCE_TYPE = /^[A-Z][A-Za-z]{0,63}$/;
const PARAMETER_NAME = /^[A-Za-z_][A-Za-z0-9_:.-]{0,63}$/;

const isContext = (text: string): text is ScopeContext =>
  text === 'patient' || text === 'user' || text === 'system';

const isNonResource = (text: string): text is NonResourceScope['kind'] =>
  (NON_RESOURCE_SCOPES as readonly string[]).includes(text);

const refuse = (scope: string, reason: string): ParsedScope => ({ ok: false, scope, reason });

/** One scope string; a malformed one comes back with the reason, to answer `invalid_scope` with. */
export function parseScope(text: string): ParsedScope {
  if (isNonResource(text)) return { ok: true, scope: { kind: text, text } };
  const match = RESOURCE_SCOPE.exec(text);
  if (!match) {
    return refuse(text, 'not a scope this server grants: expected patient|user|system/<Type|*>.<cruds>');
  }
  const [, context = '', resourceType = '', suffix = '', query] = match;
  if (!isContext(context)) return refuse(text, 'the context must be patient, user or system');
  if (resourceType !== '*' && !RESOURCE_TYPE.test(resourceType)) {
    return refuse(text, `"${resourceType}" is not a FHIR resource type or *`);
  }
  const v1 = V1_SUFFIXES[suffix];
  if (v1 && query !== undefined) {
    return refuse(text, 'a search restriction needs v2 interactions (e.g. .rs), not .read, .write or .*');
  }
  const interactions = v1 ?? interactionsOf(suffix);
  if (!interactions) {
    return refuse(
      text,
      `"${suffix}" is not read, write, * or a subset of the letters c r u d s in that order`,
    );
  }
  const parameters: [string, string][] = [];
  if (query !== undefined) {
    if (query.length === 0) return refuse(text, 'the search restriction after ? is empty');
    for (const pair of query.split('&')) {
      const at = pair.indexOf('=');
      const name = at < 0 ? pair : pair.slice(0, at);
      const value = at < 0 ? '' : pair.slice(at + 1);
      if (!PARAMETER_NAME.test(name) || value.length === 0) {
        return refuse(text, 'the search restriction must be name=value pairs joined by &');
      }
      let decoded: string;
      try {
        decoded = decodeURIComponent(value);
      } catch {
        return refuse(text, 'the search restriction has a malformed percent-encoding');
      }
      parameters.push([name, decoded]);
    }
  }
  return {
    ok: true,
    scope: {
      kind: 'resource',
      text,
      context,
      resourceType,
      interactions,
      parameters,
    },
  };
}

function interactionsOf(suffix: string): Interaction[] | undefined {
  if (!/^c?r?u?d?s?$/.test(suffix) || suffix.length === 0) return undefined;
  return INTERACTIONS.filter((letter) => suffix.includes(letter));
}

/**
 * A space-separated `scope` parameter (RFC 6749 §3.3): the scopes and the refused ones. A
 * repeated scope counts once.
 */
export function parseScopes(text: string): {
  scopes: Scope[];
  refused: { scope: string; reason: string }[];
} {
  const scopes: Scope[] = [];
  const refused: { scope: string; reason: string }[] = [];
  const seen = new Set<string>();
  for (const part of text.split(' ')) {
    if (part.length === 0 || seen.has(part)) continue;
    seen.add(part);
    const parsed = parseScope(part);
    if (parsed.ok) scopes.push(parsed.scope);
    else refused.push({ scope: parsed.scope, reason: parsed.reason });
  }
  return { scopes, refused };
}

export interface ScopedRequest {
  context: ScopeContext;
  resourceType: string;
  interaction: Interaction;
}

export type ScopeDecision =
  | {
      allowed: true;
      /**
       * Search restrictions that apply: empty when a scope without one allows the request;
       * otherwise the request may touch only resources matching one of them.
       */
      restrictions: readonly (readonly (readonly [string, string])[])[];
    }
  | {
      allowed: false;
      /** The scope that would allow the request, to name in the 403. */
      missing: string;
    };

/**
 * Whether `scopes` allow one interaction on one type in one context. A `patient/` scope does
 * not stand in for a `user/` one, nor either for `system/`: each context is its own grant.
 */
export function scopeAllows(scopes: readonly Scope[], request: ScopedRequest): ScopeDecision {
  const matching = scopes.filter(
    (scope): scope is ResourceScope =>
      scope.kind === 'resource' &&
      scope.context === request.context &&
      (scope.resourceType === '*' || scope.resourceType === request.resourceType) &&
      scope.interactions.includes(request.interaction),
  );
  if (matching.length === 0) {
    return { allowed: false, missing: `${request.context}/${request.resourceType}.${request.interaction}` };
  }
  if (matching.some((scope) => scope.parameters.length === 0)) return { allowed: true, restrictions: [] };
  return { allowed: true, restrictions: matching.map((scope) => scope.parameters) };
}

/**
 * Whether a client registered for `registered` may be granted `requested`: the same
 * non-resource scope, or a resource scope that one registered scope covers (same context,
 * the same type or `*`, at least its interactions, and no restriction or the same one).
 */
export function scopeCovers(registered: readonly Scope[], requested: Scope): boolean {
  if (requested.kind !== 'resource') return registered.some((scope) => scope.kind === requested.kind);
  return registered.some(
    (scope) =>
      scope.kind === 'resource' &&
      scope.context === requested.context &&
      (scope.resourceType === '*' || scope.resourceType === requested.resourceType) &&
      requested.interactions.every((letter) => scope.interactions.includes(letter)) &&
      (scope.parameters.length === 0 || sameParameters(scope.parameters, requested.parameters)),
  );
}

const sameParameters = (one: ResourceScope['parameters'], other: ResourceScope['parameters']): boolean =>
  one.length === other.length &&
  one.every(([name, value], at) => other[at]?.[0] === name && other[at]?.[1] === value);

/** The SMART interaction each FHIR interaction of the route table needs; none for batch and system routes. */
const ROUTE_INTERACTIONS: Partial<Record<RouteDef['interaction'], Interaction>> = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  // Operations ($everything, $access-report, $availability) read the type they are on.
  operation: 'r',
  'search-type': 's',
  create: 'c',
  update: 'u',
  patch: 'u',
  delete: 'd',
};

/**
 * Whose data the principal's resource scopes are read for: `system/` for a backend service,
 * `patient/` for a patient user or a launch with a patient context, `user/` otherwise. A
 * clinician's `patient/` scopes count only with a launch patient, whose compartment is then
 * all they reach.
 */
export const scopeContextOf = (
  principal: Pick<Principal, 'role' | 'launchPatient' | 'backendService'>,
): ScopeContext => {
  if (principal.backendService) return 'system';
  return principal.role === 'patient' || principal.launchPatient !== undefined ? 'patient' : 'user';
};

/**
 * The scope decision for one route: undefined when scopes do not apply (an ID token, which keeps
 * its role's full rights, or a route without a resource type, such as batch, whose entries are
 * each checked on their own route).
 */
export function routeScopeDecision(
  principal: Pick<Principal, 'role' | 'launchPatient' | 'scopes' | 'backendService'>,
  def: Pick<RouteDef, 'resourceType' | 'interaction'>,
): ScopeDecision | undefined {
  const interaction = ROUTE_INTERACTIONS[def.interaction];
  if (!principal.scopes || !def.resourceType || !interaction) return undefined;
  return scopeAllows(principal.scopes, {
    context: scopeContextOf(principal),
    resourceType: def.resourceType,
    interaction,
  });
}

/** What a token's scopes say about one resource it reaches (the role policy has said yes already). */
export type ResourceScopeAccess =
  | { allowed: true }
  /** `hide`: outside the launch patient's compartment, answered 404 like any record one may not see. */
  | { allowed: false; hide: boolean; message: string };

export interface ScopedResource {
  resourceType: string;
  /** The type's search parameters, which a granular scope's restriction is evaluated with. */
  searchParameters: readonly SearchParameter[];
  resource: unknown;
  /** The patient whose compartment holds it; undefined for a type in no Patient compartment. */
  compartmentPatient: string | undefined;
}

/**
 * The scopes' word on one resource, after the route's scope check let the request in: a
 * `patient/` token with a launch patient reaches only that patient's compartment (resources
 * in none, such as a Practitioner, stay reachable), and a granular scope
 * (`patient/Appointment.rs?status=booked`) only resources its restriction matches.
 */
export function resourceScopeAccess(
  principal: Pick<Principal, 'role' | 'launchPatient' | 'scopes' | 'backendService'>,
  interaction: Interaction,
  scoped: ScopedResource,
): ResourceScopeAccess {
  if (!principal.scopes) return { allowed: true };
  const context = scopeContextOf(principal);
  if (
    context === 'patient' &&
    principal.launchPatient !== undefined &&
    scoped.compartmentPatient !== undefined &&
    scoped.compartmentPatient !== principal.launchPatient
  ) {
    return {
      allowed: false,
      hide: true,
      message: "the token's patient/ scopes reach only the launch patient's compartment",
    };
  }
  const decision = scopeAllows(principal.scopes, {
    context,
    resourceType: scoped.resourceType,
    interaction,
  });
  if (!decision.allowed) {
    return { allowed: false, hide: false, message: `the token's scopes do not grant ${decision.missing}` };
  }
  if (decision.restrictions.length === 0) return { allowed: true };
  if (
    decision.restrictions.some((criteria) =>
      matchesCriteria(scoped.resource, scoped.searchParameters, criteria),
    )
  ) {
    return { allowed: true };
  }
  const granted = decision.restrictions
    .map((criteria) => criteria.map(([name, value]) => `${name}=${value}`).join('&'))
    .join(' or ');
  return {
    allowed: false,
    hide: false,
    message: `the token's scopes grant ${context}/${scoped.resourceType}.${interaction} only where ${granted}`,
  };
}
