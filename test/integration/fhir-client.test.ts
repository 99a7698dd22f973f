import { Client, type FhirResource, type PaginationParams } from 'fhir-kit-client';
import { beforeAll, describe, expect, it } from 'vitest';
import { heartRate } from '../../shared/fhir/clinical-examples.ts';
import { baseUrl, field, token } from '../support/api.ts';
import { letters, newOrg } from '../support/patients.ts';

/** The local API driven by a standard FHIR client library, as an integrator would. */
const org = newOrg();
let client: Client;
const family = `Kitclient${letters(6)}`;

beforeAll(async () => {
  client = new Client({
    baseUrl: baseUrl(),
    bearerToken: await token({ role: 'admin', org, sub: 'fhir-kit-admin' }),
  });
});

const isPaged = (bundle: FhirResource): bundle is PaginationParams['bundle'] =>
  Array.isArray(bundle.link) &&
  bundle.link.every(
    (link) => typeof field(link, 'relation') === 'string' && typeof field(link, 'url') === 'string',
  );

const idOf = (resource: unknown): string => {
  const id = field(resource, 'id');
  if (typeof id !== 'string') throw new Error('no id');
  return id;
};

describe('fhir-kit-client against the local API', () => {
  it('reads the CapabilityStatement', async () => {
    const capabilities = await client.capabilityStatement();
    expect(field(capabilities, 'fhirVersion')).toBe('4.0.1');
  });

  it('creates, reads, updates with If-Match and reads the history of a Patient', async () => {
    const created = await client.create({
      resourceType: 'Patient',
      body: { resourceType: 'Patient', name: [{ family, given: ['Ada'] }], gender: 'female' },
    });
    const id = idOf(created);
    expect(field(created, 'meta', 'versionId')).toBe('1');

    const read = await client.read({ resourceType: 'Patient', id });
    expect(field(read, 'name', 0, 'family')).toBe(family);

    const updated = await client.update({
      resourceType: 'Patient',
      id,
      body: { resourceType: 'Patient', id, name: [{ family, given: ['Ada', 'Lovelace'] }], gender: 'female' },
      options: { headers: { 'If-Match': 'W/"1"' } },
    });
    expect(field(updated, 'meta', 'versionId')).toBe('2');

    // A stale version is refused: the library surfaces the 412 and its OperationOutcome.
    const stale = await client
      .update({
        resourceType: 'Patient',
        id,
        body: { resourceType: 'Patient', id, gender: 'other' },
        options: { headers: { 'If-Match': 'W/"1"' } },
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(field(stale, 'response', 'status')).toBe(412);
    expect(field(stale, 'response', 'data', 'resourceType')).toBe('OperationOutcome');

    const history = await client.history({ resourceType: 'Patient', id });
    expect(field(history, 'type')).toBe('history');
    const versions = field(history, 'entry');
    expect(Array.isArray(versions) ? versions.map((entry) => field(entry, 'response', 'etag')) : []).toEqual([
      'W/"2"',
      'W/"1"',
    ]);
  });

  it('searches with paging by following next links until the last page', async () => {
    for (let n = 0; n < 5; n++) {
      await client.create({ resourceType: 'Patient', body: { resourceType: 'Patient', name: [{ family }] } });
    }
    const seen = new Set<string>();
    let pages = 0;
    let bundle: FhirResource | undefined = await client.search({
      resourceType: 'Patient',
      searchParams: { family, _count: '2' },
    });
    while (bundle) {
      pages += 1;
      const page = field(bundle, 'entry');
      for (const entry of Array.isArray(page) ? page : []) seen.add(idOf(field(entry, 'resource')));
      const next: Promise<FhirResource> | undefined = isPaged(bundle)
        ? client.nextPage({ bundle })
        : undefined;
      bundle = next ? await next : undefined;
    }
    expect(seen.size).toBe(6);
    // DynamoDB paging may end with one empty page after the last full one.
    expect(pages).toBeGreaterThanOrEqual(3);
  });

  it('creates vital-sign Observations of a patient and searches them by patient and category, page by page', async () => {
    const patient = idOf(
      await client.create({
        resourceType: 'Patient',
        body: { resourceType: 'Patient', name: [{ family, given: ['Grace'] }] },
      }),
    );
    const practitioner = idOf(
      await client.create({
        resourceType: 'Practitioner',
        body: { resourceType: 'Practitioner', name: [{ family: 'Hopper' }] },
      }),
    );
    const created: string[] = [];
    for (let n = 0; n < 5; n++) {
      const body = heartRate({ patient, practitioner }, `2026-11-${10 + n}T09:00:00Z`, 60 + n);
      const observation = await client.create({ resourceType: 'Observation', body });
      expect(field(observation, 'meta', 'versionId')).toBe('1');
      created.push(idOf(observation));
    }

    const seen: string[] = [];
    let pages = 0;
    let bundle: FhirResource | undefined = await client.search({
      resourceType: 'Observation',
      searchParams: { patient: `Patient/${patient}`, category: 'vital-signs', _count: '2' },
    });
    while (bundle) {
      pages += 1;
      const page = field(bundle, 'entry');
      for (const entry of Array.isArray(page) ? page : []) seen.push(idOf(field(entry, 'resource')));
      bundle = isPaged(bundle) ? await client.nextPage({ bundle }) : undefined;
      expect(pages).toBeLessThan(10);
    }
    // Newest care first, each once.
    expect(seen).toEqual([...created].reverse());
    expect(pages).toBeGreaterThanOrEqual(3);
  });
});
