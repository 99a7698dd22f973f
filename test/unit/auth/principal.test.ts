import { describe, expect, it } from 'vitest';
import { principalFromClaims } from '../../../shared/auth/principal.ts';
import { scopeContextOf } from '../../../shared/auth/scopes.ts';
import { HttpError } from '../../../shared/base/errors.ts';

const statusOf = (run: () => unknown): number | undefined => {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof HttpError ? error.status : -1;
  }
};

describe('the Principal from authorizer claims', () => {
  it('reads groups in each shape API Gateway hands them over', () => {
    for (const groups of ['clinician', '[clinician]', 'clinician,other', ['clinician']]) {
      const principal = principalFromClaims({
        sub: 's',
        'cognito:groups': groups,
        'custom:org': 'org-1',
        'custom:practitionerId': 'pr-1',
      });
      expect(principal).toEqual({ sub: 's', role: 'clinician', org: 'org-1', practitionerId: 'pr-1' });
    }
  });

  it('answers 401 when there are no claims at all', () => {
    expect(statusOf(() => principalFromClaims(undefined))).toBe(401);
  });

  it('answers 403 for no role, two roles, or a missing organization', () => {
    expect(
      statusOf(() => principalFromClaims({ sub: 's', 'cognito:groups': 'visitor', 'custom:org': 'o' })),
    ).toBe(403);
    expect(
      statusOf(() => principalFromClaims({ sub: 's', 'cognito:groups': 'admin,patient', 'custom:org': 'o' })),
    ).toBe(403);
    expect(statusOf(() => principalFromClaims({ sub: 's', 'cognito:groups': 'admin' }))).toBe(403);
  });

  it('requires a patient id of patients and a practitioner id of clinicians', () => {
    expect(
      statusOf(() => principalFromClaims({ sub: 's', 'cognito:groups': 'patient', 'custom:org': 'o' })),
    ).toBe(403);
    expect(
      statusOf(() => principalFromClaims({ sub: 's', 'cognito:groups': 'clinician', 'custom:org': 'o' })),
    ).toBe(403);
  });

  it('ignores a patient id claimed by a non-patient', () => {
    const principal = principalFromClaims({
      sub: 's',
      'cognito:groups': 'admin',
      'custom:org': 'o',
      'custom:patientId': 'p-1',
    });
    expect(principal.patientId).toBeUndefined();
  });
});

describe("the Principal's SMART grant", () => {
  const patientClaims = {
    sub: 'p',
    'cognito:groups': 'patient',
    'custom:org': 'org-1',
    'custom:patientId': 'pat-1',
  };

  it('carries the parsed scopes and the launch patient of an access token', () => {
    const principal = principalFromClaims({
      ...patientClaims,
      scope: 'launch/patient openid patient/*.rs patient/Observation.rs?category=vital-signs',
      patient: 'pat-1',
    });
    expect(principal.launchPatient).toBe('pat-1');
    expect(principal.scopes?.map((scope) => scope.text)).toEqual([
      'launch/patient',
      'openid',
      'patient/*.rs',
      'patient/Observation.rs?category=vital-signs',
    ]);
  });

  it('has no scopes for an ID token, which keeps the role its full rights', () => {
    const principal = principalFromClaims(patientClaims);
    expect(principal.scopes).toBeUndefined();
    expect(principal.launchPatient).toBeUndefined();
  });

  it('has an empty grant when the scope claim holds nothing this server grants', () => {
    expect(principalFromClaims({ ...patientClaims, scope: 'bogus patient/x.zz' }).scopes).toEqual([]);
  });

  it('refuses a launch patient that is not a FHIR id', () => {
    expect(statusOf(() => principalFromClaims({ ...patientClaims, patient: 'a b/../c' }))).toBe(403);
  });
});

describe('a backend service’s Principal', () => {
  const backendClaims = {
    sub: 'client-abcdefghijklmnop',
    client_id: 'client-abcdefghijklmnop',
    'cognito:groups': ['admin'],
    'custom:org': 'org-1',
    scope: 'system/Patient.rs',
  };

  it('is a backend service when the client is its own subject, and reads system/ scopes', () => {
    const principal = principalFromClaims(backendClaims);
    expect(principal.backendService).toBe(true);
    expect(scopeContextOf(principal)).toBe('system');
  });

  it('is an app’s user when the client and the subject differ', () => {
    const principal = principalFromClaims({ ...backendClaims, sub: 'a-user' });
    expect(principal.backendService).toBeUndefined();
    expect(scopeContextOf(principal)).toBe('user');
  });

  it('refuses a backend token with a role that needs a user (patient, clinician) or with a launch patient', () => {
    expect(
      statusOf(() =>
        principalFromClaims({
          ...backendClaims,
          'cognito:groups': ['clinician'],
          'custom:practitionerId': 'pr-1',
        }),
      ),
    ).toBe(403);
    expect(statusOf(() => principalFromClaims({ ...backendClaims, patient: 'pat-1' }))).toBe(403);
  });
});
