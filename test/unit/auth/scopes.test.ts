import { describe, expect, it } from 'vitest';
import {
  type Interaction,
  parseScope,
  parseScopes,
  resourceScopeAccess,
  type Scope,
  scopeAllows,
  scopeCovers,
} from '../../../shared/auth/scopes.ts';
import { appointmentDefinition } from '../../../shared/resources/appointment.ts';
import { practitionerDefinition } from '../../../shared/resources/practitioner.ts';

const scopesOf = (text: string): Scope[] => {
  const { scopes, refused } = parseScopes(text);
  expect(refused).toEqual([]);
  return scopes;
};

const interactionsOf = (text: string): readonly Interaction[] | undefined => {
  const parsed = parseScope(text);
  return parsed.ok && parsed.scope.kind === 'resource' ? parsed.scope.interactions : undefined;
};

describe('SMART scopes', () => {
  it('reads v2 resource scopes in each context, with a type or *', () => {
    expect(parseScope('patient/Observation.rs')).toEqual({
      ok: true,
      scope: {
        kind: 'resource',
        text: 'patient/Observation.rs',
        context: 'patient',
        resourceType: 'Observation',
        interactions: ['r', 's'],
        parameters: [],
      },
    });
    expect(parseScope('user/*.cruds')).toMatchObject({
      ok: true,
      scope: { context: 'user', resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'] },
    });
    expect(parseScope('system/Patient.d')).toMatchObject({
      ok: true,
      scope: { context: 'system', resourceType: 'Patient', interactions: ['d'] },
    });
  });

  it('reads v1 read, write and * as their v2 equivalents', () => {
    expect(interactionsOf('patient/Patient.read')).toEqual(['r', 's']);
    expect(interactionsOf('user/Appointment.write')).toEqual(['c', 'u', 'd']);
    expect(interactionsOf('system/*.*')).toEqual(['c', 'r', 'u', 'd', 's']);
  });

  it('keeps the search restriction of a granular scope, decoded', () => {
    expect(
      parseScope('patient/Observation.rs?category=vital-signs&code=http%3A%2F%2Floinc.org%7C8867-4'),
    ).toMatchObject({
      ok: true,
      scope: {
        parameters: [
          ['category', 'vital-signs'],
          ['code', 'http://loinc.org|8867-4'],
        ],
      },
    });
  });

  it('reads the launch, identity and offline scopes', () => {
    expect(scopesOf('openid fhirUser launch/patient offline_access').map((scope) => scope.kind)).toEqual([
      'openid',
      'fhirUser',
      'launch/patient',
      'offline_access',
    ]);
  });

  it('refuses malformed scopes with a reason', () => {
    for (const text of [
      'patient/Observation.sr', // letters out of order
      'patient/Observation.rr',
      'patient/Observation.x',
      'patient/Observation.',
      'practitioner/Patient.r', // no such context
      'patient/observation.rs', // not a resource type
      'patient/Observation.read?category=vital-signs', // v1 with a restriction
      'patient/Observation.rs?',
      'patient/Observation.rs?category',
      'patient/Observation.rs?category=%zz',
      'profile',
      'launch',
    ]) {
      const parsed = parseScope(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.reason.length, text).toBeGreaterThan(0);
    }
  });

  it('splits a scope parameter on spaces, counts a repeat once and names what it refuses', () => {
    const { scopes, refused } = parseScopes('patient/Patient.r  patient/Patient.r bogus');
    expect(scopes.map((scope) => scope.text)).toEqual(['patient/Patient.r']);
    expect(refused.map((one) => one.scope)).toEqual(['bogus']);
  });
});

describe('the scope decision', () => {
  const scopes = scopesOf(
    'patient/Patient.rs user/Appointment.cu patient/Observation.rs?category=vital-signs',
  );

  it('allows exactly the interactions a scope names, in its context and type', () => {
    const allowed = (
      context: 'patient' | 'user' | 'system',
      resourceType: string,
      interaction: Interaction,
    ) => scopeAllows(scopes, { context, resourceType, interaction }).allowed;
    expect(allowed('patient', 'Patient', 'r')).toBe(true);
    expect(allowed('patient', 'Patient', 's')).toBe(true);
    expect(allowed('patient', 'Patient', 'u')).toBe(false);
    expect(allowed('user', 'Patient', 'r')).toBe(false);
    expect(allowed('user', 'Appointment', 'c')).toBe(true);
    expect(allowed('user', 'Appointment', 'd')).toBe(false);
    expect(allowed('system', 'Appointment', 'c')).toBe(false);
  });

  it('lets * stand for every type', () => {
    const wildcard = scopesOf('system/*.rs');
    expect(
      scopeAllows(wildcard, { context: 'system', resourceType: 'Practitioner', interaction: 's' }),
    ).toEqual({
      allowed: true,
      restrictions: [],
    });
  });

  it('names the missing scope for the 403', () => {
    expect(
      scopeAllows(scopes, { context: 'patient', resourceType: 'Appointment', interaction: 'd' }),
    ).toEqual({
      allowed: false,
      missing: 'patient/Appointment.d',
    });
  });

  it('hands back the search restriction of a granular scope, and none when a plain scope also allows', () => {
    expect(
      scopeAllows(scopes, { context: 'patient', resourceType: 'Observation', interaction: 's' }),
    ).toEqual({
      allowed: true,
      restrictions: [[['category', 'vital-signs']]],
    });
    const plainToo = [...scopes, ...scopesOf('patient/Observation.s')];
    expect(
      scopeAllows(plainToo, { context: 'patient', resourceType: 'Observation', interaction: 's' }),
    ).toEqual({
      allowed: true,
      restrictions: [],
    });
  });

  it('grants nothing for identity and launch scopes alone', () => {
    const identity = scopesOf('openid fhirUser launch/patient offline_access');
    expect(
      scopeAllows(identity, { context: 'patient', resourceType: 'Patient', interaction: 'r' }).allowed,
    ).toBe(false);
  });
});

describe('what a registration covers', () => {
  const registered = scopesOf('patient/*.rs openid fhirUser user/Observation.rs?category=laboratory');

  it('covers narrower resource scopes and the same non-resource scopes', () => {
    for (const text of ['patient/Patient.r', 'patient/*.rs', 'patient/Appointment.read', 'openid']) {
      const [scope] = scopesOf(text);
      expect(scope && scopeCovers(registered, scope), text).toBe(true);
    }
  });

  it('does not cover wider interactions, another context, another restriction or an unregistered scope', () => {
    for (const text of [
      'patient/Patient.rs patient/Patient.c',
      'user/Patient.r',
      'user/Observation.rs?category=vital-signs',
      'offline_access',
    ]) {
      const covered = scopesOf(text).every((scope) => scopeCovers(registered, scope));
      expect(covered, text).toBe(false);
    }
  });
});

describe('what the scopes say about one resource', () => {
  const appointmentOf = (patientId: string, status: string) => ({
    resourceType: 'Appointment',
    status,
    participant: [{ actor: { reference: `Patient/${patientId}` } }],
  });
  const scoped = (patientId: string, status = 'booked') => ({
    resourceType: 'Appointment',
    searchParameters: appointmentDefinition.searchParameters,
    resource: appointmentOf(patientId, status),
    compartmentPatient: patientId,
  });
  const clinicianLaunch = (scope: string) => ({
    role: 'clinician' as const,
    launchPatient: 'pat-1',
    scopes: scopesOf(scope),
  });

  it('lets a launch reach only its patient’s compartment, hidden as 404 elsewhere', () => {
    const principal = clinicianLaunch('launch/patient patient/*.rs');
    expect(resourceScopeAccess(principal, 'r', scoped('pat-1'))).toEqual({ allowed: true });
    expect(resourceScopeAccess(principal, 'r', scoped('pat-2'))).toMatchObject({
      allowed: false,
      hide: true,
    });
  });

  it('leaves resources in no compartment reachable to a launch (a Practitioner)', () => {
    const principal = clinicianLaunch('launch/patient patient/*.rs');
    const practitioner = {
      resourceType: 'Practitioner',
      searchParameters: practitionerDefinition.searchParameters,
      resource: { resourceType: 'Practitioner', id: 'pr-1' },
      compartmentPatient: undefined,
    };
    expect(resourceScopeAccess(principal, 'r', practitioner)).toEqual({ allowed: true });
  });

  it('lets a granular scope reach only what its restriction matches, with a 403 naming it', () => {
    const principal = clinicianLaunch('launch/patient patient/Appointment.rs?status=booked');
    expect(resourceScopeAccess(principal, 's', scoped('pat-1', 'booked'))).toEqual({ allowed: true });
    expect(resourceScopeAccess(principal, 'r', scoped('pat-1', 'cancelled'))).toEqual({
      allowed: false,
      hide: false,
      message: "the token's scopes grant patient/Appointment.r only where status=booked",
    });
  });

  it('takes any of several granular scopes, and none at all with a plain one beside them', () => {
    const either = clinicianLaunch(
      'patient/Appointment.rs?status=booked patient/Appointment.rs?status=fulfilled',
    );
    expect(resourceScopeAccess(either, 'r', scoped('pat-1', 'fulfilled')).allowed).toBe(true);
    expect(resourceScopeAccess(either, 'r', scoped('pat-1', 'noshow')).allowed).toBe(false);
    const plain = clinicianLaunch('patient/Appointment.rs?status=booked patient/Appointment.r');
    expect(resourceScopeAccess(plain, 'r', scoped('pat-1', 'noshow')).allowed).toBe(true);
  });

  it('says nothing for an ID token (no scopes), which keeps its role’s rights', () => {
    expect(resourceScopeAccess({ role: 'clinician' }, 'd', scoped('pat-2'))).toEqual({ allowed: true });
  });
});
