import { beforeAll, describe, expect, it } from 'vitest';
import { capabilityStatement } from '../../shared/fhir/capability.ts';
import { routeEntries } from '../../shared/routes.ts';
import { api, baseUrl, field, token } from '../support/api.ts';
import { createPatient, letters, newOrg, nextLink, resourceOf } from '../support/patients.ts';

const org = newOrg();
let admin: string;
const family = `Conformo${letters(6)}`;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'dx-conformance-admin' });
  for (let n = 0; n < 5; n++) {
    await createPatient(admin, { resourceType: 'Patient', name: [{ family, given: [`G${letters(4)}`] }] });
  }
});

describe('_format', () => {
  it.each(['json', 'application/json', 'application/fhir+json'])(
    '_format=%s is served as FHIR JSON',
    async (format) => {
      const response = await api(`/Patient?family=${family}&_format=${encodeURIComponent(format)}`, {
        token: admin,
      });
      expect(response.status, response.text).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
      expect(field(response.json, 'resourceType')).toBe('Bundle');
    },
  );

  it.each(['xml', 'application/fhir+xml', 'application/fhir xml', 'text/xml'])(
    '_format=%s is refused with 406 and an OperationOutcome, on public and authenticated routes',
    async (format) => {
      for (const path of ['/metadata', `/Patient?family=${family}`]) {
        const response = await api(
          `${path}${path.includes('?') ? '&' : '?'}_format=${encodeURIComponent(format)}`,
          {
            token: admin,
          },
        );
        expect(response.status, path).toBe(406);
        expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
        expect(field(response.json, 'issue', 0, 'code')).toBe('not-supported');
      }
    },
  );
});

describe('_summary=count', () => {
  it('answers a searchset Bundle with only the total, counted through every page', async () => {
    const response = await api(`/Patient?family=${family}&_summary=count`, { token: admin });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'resourceType')).toBe('Bundle');
    expect(field(response.json, 'type')).toBe('searchset');
    expect(field(response.json, 'total')).toBe(5);
    expect(field(response.json, 'entry')).toBeUndefined();
    expect(field(response.json, 'link', 0, 'url')).toBe(
      `${baseUrl()}/Patient?family=${family}&_summary=count`,
    );

    const none = await api(`/Patient?family=Nobody${letters(8)}&_summary=count`, { token: admin });
    expect(field(none.json, 'total')).toBe(0);
  });

  it('counts what the caller may see, not what exists', async () => {
    const stranger = await token({
      role: 'clinician',
      org,
      sub: 'dx-conformance-dr',
      practitionerId: 'pr-none',
    });
    const response = await api(`/Patient?family=${family}&_summary=count`, { token: stranger });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'total')).toBe(0);
  });

  it('other _summary values are refused with 400, and _summary=false is an ordinary search', async () => {
    const text = await api(`/Patient?family=${family}&_summary=text`, { token: admin });
    expect(text.status).toBe(400);
    expect(field(text.json, 'issue', 0, 'expression')).toEqual(['query._summary']);
    const plain = await api(`/Patient?family=${family}&_summary=false`, { token: admin });
    expect(plain.status).toBe(200);
    expect(field(plain.json, 'entry', 'length')).toBe(5);
  });
});

describe('Prefer, Location and ETag on create, update and patch', () => {
  it('return=minimal answers no body with Location and ETag; OperationOutcome and representation answer as asked', async () => {
    const body = { resourceType: 'Patient', name: [{ family: `Prefer${letters(6)}` }] };
    const minimal = await api('/Patient', { token: admin, body, headers: { prefer: 'return=minimal' } });
    expect(minimal.status).toBe(201);
    expect(minimal.text).toBe('');
    const location = minimal.headers.get('location') ?? '';
    expect(location).toMatch(new RegExp(`^${baseUrl()}/Patient/[^/]+/_history/1$`));
    expect(minimal.headers.get('etag')).toBe('W/"1"');
    const id = location.split('/')[4] ?? '';

    const update = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...body, id, gender: 'other' },
      headers: { 'if-match': 'W/"1"', prefer: 'return=OperationOutcome' },
    });
    expect(update.status).toBe(200);
    expect(field(update.json, 'resourceType')).toBe('OperationOutcome');
    expect(update.headers.get('etag')).toBe('W/"2"');
    expect(update.headers.get('content-location')).toBe(`${baseUrl()}/Patient/${id}/_history/2`);

    const patched = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: admin,
      rawBody: JSON.stringify([{ op: 'replace', path: '/gender', value: 'female' }]),
      headers: {
        'content-type': 'application/json-patch+json',
        'if-match': 'W/"2"',
        prefer: 'return=representation',
      },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(field(patched.json, 'gender')).toBe('female');
    expect(field(patched.json, 'meta', 'versionId')).toBe('3');
    expect(patched.headers.get('etag')).toBe('W/"3"');
  });
});

describe('absolute URLs', () => {
  it('fullUrls and paging links are absolute under the base URL the request came to', async () => {
    const first = await api(`/Patient?family=${family}&_count=2`, { token: admin });
    const entries = field(first.json, 'entry');
    expect(Array.isArray(entries) && entries.length).toBe(2);
    for (const entry of Array.isArray(entries) ? entries : []) {
      expect(String(field(entry, 'fullUrl'))).toMatch(new RegExp(`^${baseUrl()}/Patient/[^/]+$`));
    }
    const next = nextLink(first);
    expect(next).toBeDefined();
    const links = field(first.json, 'link');
    for (const link of Array.isArray(links) ? links : [])
      expect(String(field(link, 'url'))).toMatch(new RegExp(`^${baseUrl()}/`));
    const second = await api(next ?? '', { token: admin });
    expect(field(second.json, 'entry', 'length')).toBe(2);
    expect(resourceOf(second).resourceType).toBe('Bundle');
  });
});

describe('the CapabilityStatement', () => {
  it('lists exactly the interactions, search parameters and operations the route table serves, and batch', async () => {
    const response = await api('/metadata');
    expect(response.json).toEqual(capabilityStatement(baseUrl()));
    const rest = field(response.json, 'rest', 0);
    const resources = field(rest, 'resource');
    const listed = new Set<string>();
    for (const resource of Array.isArray(resources) ? resources : []) {
      const type = String(field(resource, 'type'));
      const interactions = field(resource, 'interaction');
      for (const one of Array.isArray(interactions) ? interactions : [])
        listed.add(`${type} ${String(field(one, 'code'))}`);
      const params = field(resource, 'searchParam');
      for (const one of Array.isArray(params) ? params : [])
        listed.add(`${type} ?${String(field(one, 'name'))}`);
      const operations = field(resource, 'operation');
      for (const one of Array.isArray(operations) ? operations : [])
        listed.add(`${type} $${String(field(one, 'name'))}`);
    }
    const served = new Set<string>();
    for (const [, def] of routeEntries()) {
      if (!def.resourceType) continue;
      if (def.operation) served.add(`${def.resourceType} $${def.operation}`);
      else served.add(`${def.resourceType} ${def.interaction}`);
      for (const param of def.searchParams ?? []) served.add(`${def.resourceType} ?${param.name}`);
    }
    expect([...listed].sort()).toEqual([...served].sort());
    expect(field(rest, 'interaction')).toEqual([expect.objectContaining({ code: 'batch' })]);
    expect(String(field(rest, 'documentation'))).toContain('transaction Bundles are not supported');
  });

  it('names the _include and _revinclude values served, $everything by its HL7 canonical, and Binary', async () => {
    const resources = (field((await api('/metadata')).json, 'rest', 0, 'resource') ?? []) as unknown[];
    const of = (type: string) => resources.find((resource) => field(resource, 'type') === type);
    expect(field(of('Observation'), 'searchInclude')).toEqual(
      expect.arrayContaining(['Observation:patient', 'Observation:encounter', 'Observation:performer']),
    );
    expect(field(of('Encounter'), 'searchInclude')).toContain('Encounter:participant');
    expect(field(of('MedicationRequest'), 'searchInclude')).toContain('MedicationRequest:requester');
    expect(field(of('Patient'), 'searchRevInclude')).toEqual(
      expect.arrayContaining(['Observation:patient', 'Condition:patient', 'DocumentReference:patient']),
    );
    expect(field(of('Patient'), 'operation')).toContainEqual({
      name: 'everything',
      definition: 'http://hl7.org/fhir/OperationDefinition/Patient-everything',
    });
    expect(
      ((field(of('Binary'), 'interaction') ?? []) as unknown[]).map((one) => field(one, 'code')),
    ).toEqual(['create', 'read']);
  });

  it('carries the SMART security extension with the endpoints the discovery document names', async () => {
    const security = field((await api('/metadata')).json, 'rest', 0, 'security');
    expect(field(security, 'service', 0, 'coding', 0, 'code')).toBe('SMART-on-FHIR');
    const uris = field(security, 'extension', 0);
    expect(field(uris, 'url')).toBe('http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris');
    const listed = Object.fromEntries(
      ((field(uris, 'extension') ?? []) as unknown[]).map((one) => [
        String(field(one, 'url')),
        field(one, 'valueUri'),
      ]),
    );
    const discovery = (await fetch(`${baseUrl()}/.well-known/smart-configuration`).then((answer) =>
      answer.json(),
    )) as Record<string, unknown>;
    expect(listed).toEqual({
      authorize: discovery.authorization_endpoint,
      token: discovery.token_endpoint,
      introspect: discovery.introspection_endpoint,
      revoke: discovery.revocation_endpoint,
    });
    // Each answers: a token request without parameters is an OAuth error, not a 404.
    const token = await fetch(String(listed.token), { method: 'POST' });
    expect(token.status).toBe(400);
  });
});
