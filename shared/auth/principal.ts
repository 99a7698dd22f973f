import * as z from 'zod/mini';
import { UnauthorizedError } from '../base/errors.ts';
import { BACKEND_ROLES, ROLES, type Role } from '../routes.ts';
import { ClaimsRefusedError, type RefusedClaims } from './errors.ts';
import { parseScopes, type Scope } from './scopes.ts';

/** Who is calling, from verified JWT claims (the Cognito authorizer's, or the local gateway's). */
export interface Principal {
  sub: string;
  role: Role;
  org: string;
  patientId?: string;
  practitionerId?: string;
  /**
   * The SMART grant of an access token (its `scope` claim, parsed). Absent for ID tokens
   * (`npm run token`, Cognito sign-in), which keep their role's full rights.
   */
  scopes?: readonly Scope[];
  /** The SMART launch context's patient (`patient` claim, from `launch/patient`). */
  launchPatient?: string;
  /**
   * A SMART Backend Services token: the client is its own subject (`sub` = `client_id`), no
   * user stands behind it, and its `system/` scopes are the ones that count.
   */
  backendService?: true;
}

const fhirId = z.string().check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/));

/**
 * API Gateway hands Cognito claims to the function as strings; `cognito:groups` arrives as
 * an array, a comma- or space-separated string, or `[a, b]` depending on the path it took.
 */
const groups = z.pipe(
  z.union([z.array(z.string()), z.string()]),
  z.transform((value) =>
    (Array.isArray(value) ? value : value.replace(/^\[|\]$/g, '').split(/[\s,]+/))
      .map((group) => group.trim())
      .filter((group) => group.length > 0),
  ),
);

const Claims = z.object({
  sub: z.string().check(z.minLength(1), z.maxLength(128)),
  'cognito:groups': groups,
  'custom:org': fhirId,
  'custom:patientId': z.optional(fhirId),
  'custom:practitionerId': z.optional(fhirId),
  /** Space-separated, as the authorization server granted it (RFC 6749 §3.3). */
  scope: z.optional(z.string().check(z.maxLength(4096))),
  patient: z.optional(fhirId),
  client_id: z.optional(z.string().check(z.maxLength(128))),
});

const isRole = (group: string): group is Role => (ROLES as readonly string[]).includes(group);

const Sub = Claims.shape.sub;

/** Each claim of a refused token taken only if it is well-formed on its own. */
function refusedClaims(claims: unknown): RefusedClaims {
  const claim = <T>(schema: z.ZodMiniType<T>, name: string): T | undefined => {
    const parsed = schema.safeParse(
      typeof claims === 'object' && claims ? Reflect.get(claims, name) : undefined,
    );
    return parsed.success ? parsed.data : undefined;
  };
  return {
    sub: claim(Sub, 'sub'),
    org: claim(fhirId, 'custom:org'),
    roles: (claim(groups, 'cognito:groups') ?? []).filter(isRole),
    patientId: claim(fhirId, 'custom:patientId'),
    practitionerId: claim(fhirId, 'custom:practitionerId'),
  };
}

export function principalFromClaims(claims: unknown): Principal {
  if (claims === undefined || claims === null) throw new UnauthorizedError();
  const refuse = (message: string) => new ClaimsRefusedError(message, refusedClaims(claims));
  const parsed = Claims.safeParse(claims);
  if (!parsed.success) throw refuse('the token lacks the claims this API needs (groups, organization)');
  const roles = parsed.data['cognito:groups'].filter(isRole);
  const [role, ...others] = roles;
  if (role === undefined || others.length > 0) {
    throw refuse(`the user must belong to exactly one of the groups: ${ROLES.join(', ')}`);
  }
  const principal: Principal = { sub: parsed.data.sub, role, org: parsed.data['custom:org'] };
  const patientId = parsed.data['custom:patientId'];
  const practitionerId = parsed.data['custom:practitionerId'];
  if (role === 'patient') {
    if (!patientId) throw refuse('a patient user needs the custom:patientId claim');
    principal.patientId = patientId;
  }
  if (role === 'clinician') {
    if (!practitionerId) throw refuse('a clinician user needs the custom:practitionerId claim');
    principal.practitionerId = practitionerId;
  }
  if (role === 'admin' && practitionerId) principal.practitionerId = practitionerId;
  const scope = parsed.data.scope;
  // Scopes this server would not grant are ignored: they can only narrow, never widen.
  if (scope !== undefined) principal.scopes = parseScopes(scope).scopes;
  if (parsed.data.patient) principal.launchPatient = parsed.data.patient;
  if (scope !== undefined && parsed.data.client_id === parsed.data.sub) {
    if (!(BACKEND_ROLES as readonly Role[]).includes(role) || principal.launchPatient !== undefined) {
      throw refuse(`a backend service acts with one of the roles ${BACKEND_ROLES.join(', ')} and no patient`);
    }
    principal.backendService = true;
  }
  return principal;
}
