import * as z from 'zod/mini';

/**
 * The claims Cognito's pre-token-generation trigger (event version 2) adds for SMART, pure.
 * Cognito's access tokens carry no custom attributes, yet the API authorizes on the access
 * token: the tenant and the user's record go in here, and the launch context (`patient`) with
 * them. The ID token gets `fhirUser`. What a user cannot have is taken out of the grant, as the
 * local authorization server does: `launch/patient` for a user who is not a patient with a
 * record, `fhirUser` for a user without a Patient or Practitioner resource.
 */

const fhirId = z.string().check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/));

/** The part of the V2 event the claims are built from (the rest is Cognito's bookkeeping). */
export const PreTokenRequest = z.object({
  userAttributes: z.record(z.string(), z.string()),
  groupConfiguration: z.object({ groupsToOverride: z._default(z.array(z.string()), []) }),
  /** Present when the token comes from the OAuth endpoints (managed login, refresh). */
  scopes: z._default(z.array(z.string()), []),
});
export type PreTokenRequest = z.infer<typeof PreTokenRequest>;

/** `response.claimsAndScopeOverrideDetails` of the V2 event. */
export interface SmartClaimsOverride {
  idTokenGeneration: { claimsToAddOrOverride: Record<string, string> };
  accessTokenGeneration: { claimsToAddOrOverride: Record<string, string>; scopesToSuppress: string[] };
}

/** The Cognito scopes (shared/auth/cognito-scopes.ts) the trigger looks at. */
const LAUNCH_PATIENT = 'launch/patient';
const FHIR_USER = 'smart/fhirUser';

const RECORD_ATTRIBUTES = ['custom:org', 'custom:patientId', 'custom:practitionerId'] as const;

/** A custom attribute that is set and is a FHIR id; anything else is left out of the token. */
function attribute(request: PreTokenRequest, name: string): string | undefined {
  const parsed = fhirId.safeParse(request.userAttributes[name]);
  return parsed.success ? parsed.data : undefined;
}

/**
 * The user's own resource, as `fhirUser` names it (SMART App Launch 2.0 §"Scopes for requesting
 * identity data"): a patient's Patient, else a Practitioner. `fhirBase` is the FHIR base URL when
 * known at deployment (a custom domain); otherwise the reference stays relative.
 */
export function fhirUserOf(request: PreTokenRequest, fhirBase: string | undefined): string | undefined {
  const patientId = attribute(request, 'custom:patientId');
  const practitionerId = attribute(request, 'custom:practitionerId');
  const reference =
    isPatient(request) && patientId
      ? `Patient/${patientId}`
      : practitionerId
        ? `Practitioner/${practitionerId}`
        : undefined;
  if (reference === undefined) return undefined;
  return fhirBase ? `${fhirBase.replace(/\/$/, '')}/${reference}` : reference;
}

const isPatient = (request: PreTokenRequest): boolean =>
  request.groupConfiguration.groupsToOverride.includes('patient');

export function smartClaims(request: PreTokenRequest, fhirBase: string | undefined): SmartClaimsOverride {
  const access: Record<string, string> = {};
  for (const name of RECORD_ATTRIBUTES) {
    const value = attribute(request, name);
    if (value !== undefined) access[name] = value;
  }
  const scopesToSuppress: string[] = [];
  const patientId = attribute(request, 'custom:patientId');
  if (request.scopes.includes(LAUNCH_PATIENT)) {
    if (isPatient(request) && patientId) access.patient = patientId;
    else scopesToSuppress.push(LAUNCH_PATIENT);
  }
  const id: Record<string, string> = {};
  if (request.scopes.includes(FHIR_USER)) {
    const fhirUser = fhirUserOf(request, fhirBase);
    if (fhirUser) id.fhirUser = fhirUser;
    else scopesToSuppress.push(FHIR_USER);
  }
  return {
    idTokenGeneration: { claimsToAddOrOverride: id },
    accessTokenGeneration: { claimsToAddOrOverride: access, scopesToSuppress },
  };
}
