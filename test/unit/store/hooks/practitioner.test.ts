import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Practitioner } from '../../../../shared/fhir/practitioner.ts';
import { practitionerNameWords } from '../../../../shared/store/hooks/practitioner.ts';
import { planPractitionerSearch } from '../../../../shared/store/hooks/practitioner-search.ts';
import { checkWorkingHours, practitionerWrites } from '../../../../shared/store/hooks/practitioner-writes.ts';
import { fakeStore, resetStore, storeRequest } from '../../../support/fake-store.ts';

const ORG = 'org-1';
const admin = { sub: 'admin-1', role: 'admin' as const, org: ORG };
const sanne: Practitioner = {
  resourceType: 'Practitioner',
  id: 'pr-1',
  name: [{ family: 'van den Broek', given: ['Sanne'], prefix: ['Dr.'] }],
};

let sent: { name: string }[] = [];
beforeEach(() => {
  sent = fakeStore(() => ({ Items: [] }));
});
afterEach(resetStore);

describe('the Practitioner hooks', () => {
  it('find a practitioner by every normalized word of every name part', () => {
    expect(practitionerNameWords(sanne)).toEqual(['van', 'den', 'broek', 'sanne', 'dr.']);
  });

  it('index the words in the organization’s name partition, sorted word#id', async () => {
    const index = practitionerWrites.searchIndex;
    const tokens = (await index?.tokens(ORG, sanne)) ?? [];
    expect(tokens).toContain('broek#pr-1');
    expect(index?.key(ORG, 'broek#pr-1', 'pr-1')).toEqual({
      pk: `${ORG}#Practitioner?name`,
      sk: 'broek#pr-1',
    });
  });

  it('refuse working hours that cannot be booked against (422), and keep valid ones', async () => {
    const request = storeRequest(admin, 'createPractitioner');
    const invalid: Practitioner = {
      ...sanne,
      extension: [
        {
          url: 'https://fhir-records.dev/StructureDefinition/working-hours',
          extension: [{ url: 'availableStartTime', valueTime: '25:00:00' }],
        },
      ],
    };
    await expect(checkWorkingHours(request, invalid)).rejects.toMatchObject({ status: 422 });
    expect(await checkWorkingHours(request, sanne)).toBe(sanne);
  });

  it('search names by prefix of a normalized word, else the newest first', async () => {
    const named = await planPractitionerSearch(storeRequest(admin, 'searchPractitioners'), {
      _count: 10,
      name: 'BROE',
    });
    await named.read?.(undefined, 10);
    expect(sent.at(-1)).toMatchObject({
      input: {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :word)',
        ExpressionAttributeValues: { ':pk': `${ORG}#Practitioner?name`, ':word': 'broe' },
      },
    });
    const all = await planPractitionerSearch(storeRequest(admin, 'searchPractitioners'), { _count: 10 });
    await all.read?.(undefined, 10);
    expect(sent.at(-1)).toMatchObject({ input: { IndexName: 'byType', ScanIndexForward: false } });
  });
});
