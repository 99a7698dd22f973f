import { describe, expect, it } from 'vitest';
import { ClaimsRefusedError } from '../../../shared/auth/errors.ts';
import { principalFromClaims } from '../../../shared/auth/principal.ts';

const refusalOf = (claims: unknown): ClaimsRefusedError => {
  try {
    principalFromClaims(claims);
  } catch (error) {
    if (error instanceof ClaimsRefusedError) return error;
    throw error;
  }
  throw new Error('the claims were accepted');
};

describe('a token refused for its claims', () => {
  it('is a 403 carrying the well-formed claims, to file its AuditEvent under', () => {
    const refused = refusalOf({ sub: 'u-1', 'cognito:groups': 'admin,clinician', 'custom:org': 'org-1' });
    expect(refused.status).toBe(403);
    expect(refused.claims).toEqual({
      sub: 'u-1',
      org: 'org-1',
      roles: ['admin', 'clinician'],
      patientId: undefined,
      practitionerId: undefined,
    });
  });

  it('leaves out a malformed organization or id and keeps the rest', () => {
    const refused = refusalOf({
      sub: 'u-2',
      'cognito:groups': ['patient'],
      'custom:org': 'a/b#c',
      'custom:practitionerId': 'x'.repeat(65),
    });
    expect(refused.claims).toMatchObject({
      sub: 'u-2',
      org: undefined,
      roles: ['patient'],
      practitionerId: undefined,
    });
  });

  it('names an unlinked patient user by their organization and role', () => {
    const refused = refusalOf({ sub: 'u-3', 'cognito:groups': 'patient', 'custom:org': 'org-3' });
    expect(refused.message).toMatch(/custom:patientId/);
    expect(refused.claims).toMatchObject({ org: 'org-3', roles: ['patient'], patientId: undefined });
  });
});
