import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Patient } from '../../../../shared/fhir/patient.ts';
import { patientType } from '../../../../shared/store/hooks/patient.ts';
import { planPatientSearch } from '../../../../shared/store/hooks/patient-search.ts';
import { patientWrites, registrationPlan } from '../../../../shared/store/hooks/patient-writes.ts';
import { namePrefixKey, searchItemKey } from '../../../../shared/store/patient-index.ts';
import type { Stored } from '../../../../shared/store/resources.ts';
import { fakeStore, resetStore, storeRequest } from '../../../support/fake-store.ts';

const ORG = 'org-1';
const clinician = { sub: 'dr-1', role: 'clinician' as const, org: ORG, practitionerId: 'pr-1' };
const admin = { sub: 'admin-1', role: 'admin' as const, org: ORG };
const anna: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  name: [{ family: 'Müller', given: ['Anna'] }],
  gender: 'female',
  birthDate: '1980-04-02',
};
const version = { id: 'p1', versionId: 1, lastUpdated: '2026-12-01T10:00:00.000Z', resource: anna };
const stored = (resource: Patient, tokens: string[]): Stored<Patient> => ({
  id: resource.id ?? '',
  versionId: 1,
  lastUpdated: version.lastUpdated,
  deleted: false,
  resource,
  tokens,
  payload: new Uint8Array(),
});

let sent: { name: string }[] = [];
beforeEach(() => {
  sent = fakeStore(() => ({ Items: [] }));
});
afterEach(resetStore);

describe('the Patient hooks', () => {
  it('give the registering clinician a care link that starts at the registration', () => {
    const plan = registrationPlan(storeRequest(clinician, 'createPatient'), version, undefined);
    expect(plan.items).toEqual([
      {
        Put: {
          TableName: 'records',
          Item: {
            pk: `${ORG}#care#pr-1`,
            sk: `p1#${version.lastUpdated}#registration#p1`,
            basis: 'registration',
            end: version.lastUpdated,
          },
        },
      },
    ]);
  });

  it('give no care link to an admin’s registration, nor on a change', () => {
    expect(registrationPlan(storeRequest(admin, 'createPatient'), version, undefined)).toEqual({});
    expect(registrationPlan(storeRequest(clinician, 'updatePatient'), version, stored(anna, []))).toEqual({});
  });

  it('index a Patient by blind tokens, one search item (token, id) each, and refuse too many', async () => {
    const index = patientWrites.searchIndex;
    const tokens = (await index?.tokens(ORG, anna)) ?? [];
    expect(tokens).toContain(await searchItemKey(ORG, 'family', 'muller'));
    expect(tokens).toContain(await namePrefixKey(ORG, 'mul'));
    expect(tokens).toContain(await namePrefixKey(ORG, 'ann'));
    expect(tokens.every((token) => token.startsWith(`${ORG}#Patient?`))).toBe(true);
    expect(tokens.join()).not.toMatch(/muller|anna/i);
    expect(index?.key(ORG, 'token', 'p1')).toEqual({ pk: 'token', sk: 'p1' });
    const crowded = { ...anna, identifier: Array.from({ length: 30 }, (_, i) => ({ value: `id-${i}` })) };
    await expect(index?.tokens(ORG, crowded)).rejects.toMatchObject({ status: 422 });
  });

  it('let a patient’s search find only their own record, whatever the query', async () => {
    const patient = { sub: 'u-p1', role: 'patient' as const, org: ORG, patientId: 'p1' };
    const own = await planPatientSearch(storeRequest(patient, 'searchPatients'), { _count: 10 });
    expect((await own.read?.(undefined, 10))?.candidates.map((c) => c.id)).toEqual(['p1']);
    const other = await planPatientSearch(storeRequest(patient, 'searchPatients'), { _count: 10, _id: 'p2' });
    expect((await other.read?.(undefined, 10))?.candidates).toEqual([]);
  });

  it('drive a search by a full-value token before a prefix token, and filter on the others, the names and gender', async () => {
    const plan = await planPatientSearch(storeRequest(admin, 'searchPatients'), {
      _count: 10,
      family: 'MÜL',
      birthdate: '1980',
      gender: 'female',
    });
    await plan.read?.(undefined, 10);
    const prefix = await namePrefixKey(ORG, 'mul');
    const year = await searchItemKey(ORG, 'birthdate', '1980');
    expect(sent.at(-1)).toMatchObject({
      name: 'QueryCommand',
      input: { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': year } },
    });
    expect(plan.matches?.(stored(anna, [prefix, year]))).toBe(true);
    expect(plan.matches?.(stored(anna, [year]))).toBe(false);
    expect(plan.matches?.(stored({ ...anna, gender: 'male' }, [prefix, year]))).toBe(false);
    // Mulder has the same prefix token; the decrypted name decides.
    const mulder = { ...anna, name: [{ family: 'Mulder' }] };
    expect(plan.matches?.(stored(mulder, [prefix, year]))).toBe(true);
    const longer = await planPatientSearch(storeRequest(admin, 'searchPatients'), {
      _count: 10,
      family: 'müll',
    });
    expect(longer.matches?.(stored(mulder, [prefix]))).toBe(false);
    expect(longer.matches?.(stored(anna, [prefix]))).toBe(true);
  });

  it('drive a name search by the prefix token of its first three characters', async () => {
    await (
      await planPatientSearch(storeRequest(admin, 'searchPatients'), { _count: 10, given: 'Annabel' })
    ).read?.(undefined, 10);
    expect(sent.at(-1)).toMatchObject({
      input: { ExpressionAttributeValues: { ':pk': await namePrefixKey(ORG, 'ann') } },
    });
  });

  it('drive an :exact search by the full-value token and compare the name as written', async () => {
    const plan = await planPatientSearch(storeRequest(admin, 'searchPatients'), {
      _count: 10,
      'family:exact': 'Müller',
    });
    await plan.read?.(undefined, 10);
    const family = await searchItemKey(ORG, 'family', 'muller');
    expect(sent.at(-1)).toMatchObject({ input: { ExpressionAttributeValues: { ':pk': family } } });
    expect(plan.matches?.(stored(anna, [family]))).toBe(true);
    expect(plan.matches?.(stored({ ...anna, name: [{ family: 'MÜLLER' }] }, [family]))).toBe(false);
  });

  it('refuse a name search shorter than three characters with 400', async () => {
    await expect(
      planPatientSearch(storeRequest(admin, 'searchPatients'), { _count: 10, family: 'mü' }),
    ).rejects.toMatchObject({ status: 400 });
  });

  it('list the organization’s patients newest first when no parameter is indexed', async () => {
    const plan = await planPatientSearch(storeRequest(admin, 'searchPatients'), {
      _count: 10,
      gender: 'female',
    });
    await plan.read?.(undefined, 10);
    expect(sent.at(-1)).toMatchObject({
      name: 'QueryCommand',
      input: {
        IndexName: 'byType',
        ExpressionAttributeValues: { ':type': `${ORG}#Patient` },
        ScanIndexForward: false,
      },
    });
  });
});

describe('access to a Patient record', () => {
  const decide = (principal: Parameters<typeof storeRequest>[0], intent: 'read' | 'write', patient = anna) =>
    patientType.access?.(storeRequest(principal), stored(patient, []), intent);
  const patient = { sub: 'u-p1', role: 'patient' as const, org: ORG, patientId: 'p1' };

  it('lets a patient read their own record only, and change it never (403, not hidden)', async () => {
    expect(await decide(patient, 'read')).toEqual({ allowed: true, breakGlass: false });
    expect(await decide(patient, 'write')).toEqual({ allowed: false, hide: false });
    expect(await decide({ ...patient, patientId: 'p2' }, 'read')).toEqual({ allowed: false, hide: true });
  });

  it('lets a clinician in through the record’s generalPractitioner, hides it from others', async () => {
    const cared = { ...anna, generalPractitioner: [{ reference: 'Practitioner/pr-1' }] };
    expect(await decide(clinician, 'write', cared)).toEqual({ allowed: true, breakGlass: false });
    expect(await decide(clinician, 'read')).toEqual({ allowed: false, hide: true });
  });

  it('lets an admin in and keeps compliance out', async () => {
    expect(await decide(admin, 'write')).toEqual({ allowed: true, breakGlass: false });
    expect(await decide({ sub: 'c-1', role: 'compliance', org: ORG }, 'read')).toEqual({
      allowed: false,
      hide: true,
    });
  });
});
