import { describe, expect, it } from 'vitest';
import {
  cognitoResourceServers,
  cognitoScopeOf,
  declaredCognitoScopes,
  smartScopeOf,
  smartScopesOf,
} from '../../../shared/auth/cognito-scopes.ts';
import { parseScope } from '../../../shared/auth/scopes.ts';

const servers = cognitoResourceServers(['Patient', 'Appointment', 'Patient']);
const declared = declaredCognitoScopes(servers);

describe('SMART scopes as Cognito scopes', () => {
  it('declares each type once per context, within Cognito limits and its scope-name alphabet', () => {
    for (const [identifier, names] of servers) {
      expect(names.length, identifier).toBeLessThanOrEqual(100);
      expect(new Set(names).size, identifier).toBe(names.length);
      // Cognito scope names: printable ASCII without space, double quote, slash or backslash.
      for (const name of names) expect(name).toMatch(/^[\x21\x23-\x2E\x30-\x5B\x5D-\x7E]+$/);
    }
    expect(servers.get('patient')?.filter((name) => name.startsWith('Patient.'))).toEqual([
      'Patient.rs',
      'Patient.cruds',
      'Patient.read',
      'Patient.write',
    ]);
  });

  it('asks Cognito for patient/, user/ and launch scopes as they are, and for fhirUser on the smart server', () => {
    expect(cognitoScopeOf('patient/*.rs', declared)).toBe('patient/*.rs');
    expect(cognitoScopeOf('user/Appointment.cruds', declared)).toBe('user/Appointment.cruds');
    expect(cognitoScopeOf('launch/patient', declared)).toBe('launch/patient');
    expect(cognitoScopeOf('openid', declared)).toBe('openid');
    expect(cognitoScopeOf('fhirUser', declared)).toBe('smart/fhirUser');
    expect(cognitoScopeOf('offline_access', declared)).toBe('smart/offline_access');
  });

  it('cannot ask Cognito for system/, granular or undeclared scopes', () => {
    expect(cognitoScopeOf('system/Patient.rs', declared)).toBeUndefined();
    expect(cognitoScopeOf('patient/Appointment.rs?status=booked', declared)).toBeUndefined();
    expect(cognitoScopeOf('patient/Observation.rs', declared)).toBeUndefined();
    expect(cognitoScopeOf('patient/Patient.crs', declared)).toBeUndefined();
  });

  it('reads a Cognito scope claim back as SMART scopes that parse', () => {
    const smart = smartScopesOf('openid smart/fhirUser launch/patient patient/*.rs  smart/offline_access');
    expect(smart).toBe('openid fhirUser launch/patient patient/*.rs offline_access');
    for (const scope of smart.split(' ')) expect(parseScope(scope).ok, scope).toBe(true);
    expect(smartScopeOf('patient/Patient.read')).toBe('patient/Patient.read');
  });

  it('every declared scope stands for a SMART scope the parser grants', () => {
    for (const scope of declared) expect(parseScope(smartScopeOf(scope)).ok, scope).toBe(true);
  });
});
