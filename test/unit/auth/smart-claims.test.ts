import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '../../../functions/smart/pre-token.ts';
import { fhirUserOf, PreTokenRequest, smartClaims } from '../../../shared/auth/smart-claims.ts';

/**
 * A V2 event as Cognito sends it after a managed login sign-in (the shape of the Cognito
 * developer guide's "Pre token generation Lambda trigger" V2 example): every attribute a string,
 * the groups under groupConfiguration, the OAuth scopes granted, and no response yet.
 */
function event(options: {
  groups: string[];
  attributes?: Record<string, string>;
  scopes?: string[];
  triggerSource?: string;
}): PreTokenGenerationV2TriggerEvent {
  const raw = {
    version: '2',
    triggerSource: options.triggerSource ?? 'TokenGeneration_HostedAuth',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_Example1',
    userName: '1f2e3d4c-0000-4000-8000-000000000001',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '4example0client0id000000000' },
    request: {
      userAttributes: {
        sub: '1f2e3d4c-0000-4000-8000-000000000001',
        'cognito:user_status': 'CONFIRMED',
        email_verified: 'true',
        email: 'person@example.com',
        'custom:org': 'org-1',
        ...options.attributes,
      },
      groupConfiguration: { groupsToOverride: options.groups, iamRolesToOverride: [], preferredRole: null },
      ...(options.scopes ? { scopes: options.scopes } : {}),
    },
    response: { claimsAndScopeOverrideDetails: null },
  };
  return raw as unknown as PreTokenGenerationV2TriggerEvent;
}

const claimsOf = (e: PreTokenGenerationV2TriggerEvent, fhirBase?: string) =>
  smartClaims(PreTokenRequest.parse(e.request), fhirBase);

const patientScopes = ['openid', 'smart/fhirUser', 'launch/patient', 'patient/Patient.rs'];

describe('SMART claims of the pre-token-generation trigger', () => {
  it('puts the tenant and the patient record into the access token, the launch patient with launch/patient', () => {
    const claims = claimsOf(
      event({ groups: ['patient'], attributes: { 'custom:patientId': 'pat-1' }, scopes: patientScopes }),
    );
    expect(claims.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: { 'custom:org': 'org-1', 'custom:patientId': 'pat-1', patient: 'pat-1' },
      scopesToSuppress: [],
    });
    expect(claims.idTokenGeneration.claimsToAddOrOverride).toEqual({ fhirUser: 'Patient/pat-1' });
  });

  it('makes fhirUser absolute when the FHIR base URL is known (a custom domain)', () => {
    const claims = claimsOf(
      event({ groups: ['patient'], attributes: { 'custom:patientId': 'pat-1' }, scopes: patientScopes }),
      'https://api.example.com/',
    );
    expect(claims.idTokenGeneration.claimsToAddOrOverride.fhirUser).toBe(
      'https://api.example.com/Patient/pat-1',
    );
  });

  it('gives a clinician Practitioner/<id> and no launch patient: launch/patient is taken out of the grant', () => {
    const claims = claimsOf(
      event({
        groups: ['clinician'],
        attributes: { 'custom:practitionerId': 'prac-7', 'custom:patientId': 'pat-9' },
        scopes: patientScopes,
      }),
    );
    expect(claims.accessTokenGeneration.claimsToAddOrOverride).toEqual({
      'custom:org': 'org-1',
      'custom:patientId': 'pat-9',
      'custom:practitionerId': 'prac-7',
    });
    expect(claims.accessTokenGeneration.scopesToSuppress).toEqual(['launch/patient']);
    expect(claims.idTokenGeneration.claimsToAddOrOverride).toEqual({ fhirUser: 'Practitioner/prac-7' });
  });

  it('takes launch/patient and fhirUser out for a patient whose account has no record yet', () => {
    const claims = claimsOf(event({ groups: ['patient'], scopes: patientScopes }));
    expect(claims.accessTokenGeneration.claimsToAddOrOverride).toEqual({ 'custom:org': 'org-1' });
    expect(claims.accessTokenGeneration.scopesToSuppress).toEqual(['launch/patient', 'smart/fhirUser']);
    expect(claims.idTokenGeneration.claimsToAddOrOverride).toEqual({});
  });

  it('adds no launch patient nor fhirUser when they were not asked for (an SRP sign-in has no scopes)', () => {
    const claims = claimsOf(
      event({
        groups: ['patient'],
        attributes: { 'custom:patientId': 'pat-1' },
        triggerSource: 'TokenGeneration_Authentication',
      }),
    );
    expect(claims.accessTokenGeneration).toEqual({
      claimsToAddOrOverride: { 'custom:org': 'org-1', 'custom:patientId': 'pat-1' },
      scopesToSuppress: [],
    });
    expect(claims.idTokenGeneration.claimsToAddOrOverride).toEqual({});
  });

  it('leaves out an attribute that is not a FHIR id rather than copy it into a token', () => {
    const claims = claimsOf(
      event({ groups: ['patient'], attributes: { 'custom:patientId': 'pat 1/../x' }, scopes: patientScopes }),
    );
    expect(claims.accessTokenGeneration.claimsToAddOrOverride).toEqual({ 'custom:org': 'org-1' });
    expect(
      fhirUserOf(PreTokenRequest.parse(event({ groups: ['patient'] }).request), undefined),
    ).toBeUndefined();
  });
});

describe('the trigger handler', () => {
  it('answers the same event with the claims in response.claimsAndScopeOverrideDetails', async () => {
    const answered = await handler(
      event({
        groups: ['patient'],
        attributes: { 'custom:patientId': 'pat-1' },
        scopes: ['openid', 'launch/patient'],
        triggerSource: 'TokenGeneration_RefreshTokens',
      }),
    );
    expect(
      answered.response.claimsAndScopeOverrideDetails.accessTokenGeneration?.claimsToAddOrOverride,
    ).toEqual({
      'custom:org': 'org-1',
      'custom:patientId': 'pat-1',
      patient: 'pat-1',
    });
    expect(answered.userPoolId).toBe('eu-west-1_Example1');
  });

  it('fails a malformed request without naming any attribute value', async () => {
    const bad = event({ groups: ['patient'] });
    Reflect.set(bad.request.userAttributes, 'custom:patientId', 42);
    Reflect.set(bad.request.userAttributes, 'email', { secret: 'person@example.com' });
    const failure = await handler(bad).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).not.toContain('person@example.com');
    expect(String((failure as Error).message)).not.toContain('42');
  });
});
