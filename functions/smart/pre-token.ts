import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { PreTokenRequest, smartClaims } from '../../shared/auth/smart-claims.ts';
import { smartTriggerConfig } from '../../shared/config.ts';

/**
 * Cognito pre-token-generation trigger (V2) · every sign-in and refresh of the user pool · no
 * data access · adds `custom:org`, `custom:patientId`, `custom:practitionerId` and the launch
 * `patient` to the access token, `fhirUser` to the ID token. A request that does not parse
 * fails the sign-in (Cognito answers the client with an error), naming no attribute value.
 */
export const handler = async (
  event: PreTokenGenerationV2TriggerEvent,
): Promise<PreTokenGenerationV2TriggerEvent> => {
  const request = PreTokenRequest.parse(event.request, { reportInput: false });
  event.response.claimsAndScopeOverrideDetails = smartClaims(request, smartTriggerConfig().FHIR_BASE_URL);
  return event;
};
