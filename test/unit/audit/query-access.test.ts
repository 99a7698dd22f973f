import { describe, expect, it } from 'vitest';
import { accessLogGrant } from '../../../shared/audit/query-access.ts';
import type { Principal } from '../../../shared/auth/principal.ts';
import { ForbiddenError, NotFoundError } from '../../../shared/base/errors.ts';

const compliance: Principal = { sub: 'c', role: 'compliance', org: 'o' };
const patient: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };

describe('the access-log grant as the query code applies it', () => {
  it('returns the grant when the policy allows', () => {
    expect(accessLogGrant(compliance, { interaction: 'search' })).toMatchObject({ allowed: true, org: 'o' });
  });

  it('throws a 403 for the log asked by a caller who may not read it', () => {
    expect(() => accessLogGrant(patient, { interaction: 'read' })).toThrow(ForbiddenError);
    expect(() => accessLogGrant(patient, { interaction: 'read' })).toThrow(
      'only compliance staff read the access log',
    );
  });

  it("throws a 404 naming the patient for another patient's report", () => {
    const ask = { interaction: 'access-report', patientId: 'p-2' } as const;
    expect(() => accessLogGrant(patient, ask)).toThrow(NotFoundError);
    expect(() => accessLogGrant(patient, ask)).toThrow('Patient/p-2 is not known');
  });
});
