import { beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { createPatient, entryIds, issueExpressions, newOrg, nextLink } from '../support/patients.ts';

const org = newOrg();
const SYSTEM_A = 'urn:oid:2.16.840.1.113883.2.4.6.3';
const SYSTEM_B = 'http://hl7.org/fhir/sid/us-ssn';
let admin: string;
const ids = { a: '', b: '', c: '', d: '' };

const patient = (
  family: string,
  given: string[],
  birthDate: string,
  gender: string,
  identifier?: { system: string; value: string },
) => ({
  resourceType: 'Patient',
  name: [{ family, given }],
  birthDate,
  gender,
  ...(identifier ? { identifier: [identifier] } : {}),
});

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'search-admin' });
  ids.a = await createPatient(
    admin,
    patient('MULLER', ['Jose'], '1974-12-25', 'male', { system: SYSTEM_A, value: 'ID-1' }),
  );
  ids.b = await createPatient(
    admin,
    patient('Müller', ['JOSÉ'], '1974-12-03', 'female', { system: SYSTEM_B, value: 'ID-1' }),
  );
  ids.c = await createPatient(
    admin,
    patient('Mullerova', ['Ana'], '1974-11-25', 'female', { system: SYSTEM_A, value: 'ID-2' }),
  );
  ids.d = await createPatient(admin, patient('Smith', ['Ana', 'Maria'], '1980', 'unknown'));
});

async function search(query: string, as = admin): Promise<string[]> {
  const response = await api(`/Patient?${query}`, { token: as });
  expect(response.status, `${query}: ${response.text}`).toBe(200);
  expect(field(response.json, 'type')).toBe('searchset');
  return entryIds(response).sort();
}

const of = (...keys: (keyof typeof ids)[]) => keys.map((key) => ids[key]).sort();

describe('Patient search', () => {
  it.each([
    ['family=M%C3%BCller', ['a', 'b', 'c']],
    ['family=muller', ['a', 'b', 'c']],
    ['family=MULLER', ['a', 'b', 'c']],
    ['family=Mu%CC%88ller', ['a', 'b', 'c']],
    ['family=mullerova', ['c']],
    ['family=mull', ['a', 'b', 'c']],
    ['family=mullers', []],
    ['given=jose', ['a', 'b']],
    ['given=Jos%C3%A9', ['a', 'b']],
    ['given=ANA', ['c', 'd']],
    ['name=maria', ['d']],
    ['name=smith', ['d']],
    ['name=%20Smith%20', ['d']],
    ['name=jose', ['a', 'b']],
  ] as const)(
    'a name search %s finds the names that start with it, ignoring case and accents',
    async (query, expected) => {
      expect(await search(query)).toEqual(of(...expected));
    },
  );

  it.each([
    ['birthdate=1974', ['a', 'b', 'c']],
    ['birthdate=1974-12', ['a', 'b']],
    ['birthdate=1974-12-25', ['a']],
    ['birthdate=eq1974-12-25', ['a']],
    ['birthdate=1980', ['d']],
    ['birthdate=1980-01', []],
    ['gender=female', ['b', 'c']],
    ['gender=unknown', ['d']],
    [`identifier=${encodeURIComponent(`${SYSTEM_A}|ID-1`)}`, ['a']],
    [`identifier=${encodeURIComponent(`${SYSTEM_B}|ID-1`)}`, ['b']],
    [`identifier=${encodeURIComponent(`${SYSTEM_B}|ID-2`)}`, []],
    ['identifier=ID-1', ['a', 'b']],
    ['identifier=ID-2', ['c']],
    [`identifier=${encodeURIComponent('|ID-1')}`, []],
  ] as const)('a search by %s finds exactly its matches', async (query, expected) => {
    expect(await search(query)).toEqual(of(...expected));
  });

  it('a search by _id finds that record only', async () => {
    expect(await search(`_id=${ids.c}`)).toEqual(of('c'));
    expect(await search('_id=no-such-patient')).toEqual([]);
  });

  it('several parameters are ANDed', async () => {
    expect(await search('family=muller&gender=female')).toEqual(of('b', 'c'));
    expect(await search('family=muller&given=jos')).toEqual(of('a', 'b'));
    expect(await search('given=ana&birthdate=1974')).toEqual(of('c'));
    expect(await search(`family=muller&identifier=${encodeURIComponent(`${SYSTEM_A}|ID-1`)}`)).toEqual(
      of('a'),
    );
    expect(await search('family=smith&gender=male')).toEqual([]);
    expect(await search(`_id=${ids.a}&gender=female`)).toEqual([]);
    expect(await search(`_id=${ids.b}&gender=female`)).toEqual(of('b'));
  });

  it('a search without parameters lists every patient of the organization', async () => {
    expect(await search('')).toEqual(of('a', 'b', 'c', 'd'));
  });

  it('a search finds the current version only, and no deleted patient', async () => {
    const id = await createPatient(admin, patient('Renamedbefore', ['Olga'], '1950-05-05', 'female'));
    const renamed = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: admin,
      rawBody: JSON.stringify([{ op: 'replace', path: '/name/0/family', value: 'Renamedafter' }]),
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
    });
    expect(renamed.status, renamed.text).toBe(200);
    expect(await search('family=renamedbefore')).toEqual([]);
    expect(await search('family=renamedafter')).toEqual([id]);
    expect((await api(`/Patient/${id}`, { method: 'DELETE', token: admin })).status).toBe(204);
    expect(await search('family=renamedafter')).toEqual([]);
    expect(await search('birthdate=1950-05-05')).toEqual([]);
    expect(await search('')).not.toContain(id);
  });

  it('an admin of another organization finds none of these patients', async () => {
    const outsider = await token({ role: 'admin', org: newOrg(), sub: 'search-admin' });
    expect(await search('family=muller', outsider)).toEqual([]);
    expect(await search(`_id=${ids.a}`, outsider)).toEqual([]);
    expect(await search('', outsider)).toEqual([]);
  });

  it("a patient's search returns only their own record", async () => {
    const self = await token({ role: 'patient', org, sub: 'patient-a', patientId: ids.a });
    expect(await search('family=muller', self)).toEqual(of('a'));
    expect(await search('', self)).toEqual(of('a'));
    expect(await search('gender=female', self)).toEqual([]);
    expect(await search(`_id=${ids.b}`, self)).toEqual([]);
    expect(await search('identifier=ID-1', self)).toEqual(of('a'));
  });
});

describe('Patient name search by how a name starts', () => {
  const namesOrg = newOrg();
  let namesAdmin: string;
  const people = { anna: '', annabel: '', joanna: '', li: '', text: '' };

  beforeAll(async () => {
    namesAdmin = await token({ role: 'admin', org: namesOrg, sub: 'names-admin' });
    people.anna = await createPatient(namesAdmin, patient('Müller', ['Anna'], '1970-01-01', 'female'));
    people.annabel = await createPatient(namesAdmin, patient('müller', ['Annabel'], '1971-01-01', 'female'));
    people.joanna = await createPatient(namesAdmin, patient('Mueller', ['Joanna'], '1972-01-01', 'female'));
    people.li = await createPatient(namesAdmin, patient('Li', ['Wei'], '1973-01-01', 'male'));
    people.text = await createPatient(namesAdmin, {
      resourceType: 'Patient',
      name: [{ text: 'Kwabena Osei-Bonsu' }],
    });
  });

  const find = async (query: string) => {
    const response = await api(`/Patient?${query}`, { token: namesAdmin });
    expect(response.status, `${query}: ${response.text}`).toBe(200);
    expect(field(response.json, 'type')).toBe('searchset');
    return entryIds(response).sort();
  };
  const whom = (...keys: (keyof typeof people)[]) => keys.map((key) => people[key]).sort();

  it.each([
    ['family=m%C3%BCl', ['anna', 'annabel']],
    ['family=MUL', ['anna', 'annabel']],
    ['family=mu%CC%88l', ['anna', 'annabel']],
    ['family=Mue', ['joanna']],
    ['family=mueller', ['joanna']],
    ['family=M%C3%BCller', ['anna', 'annabel']],
    ['given=ann', ['anna', 'annabel']],
    ['given=ANNAB', ['annabel']],
    ['given=joa', ['joanna']],
    ['name=ann', ['anna', 'annabel']],
    ['name=mul', ['anna', 'annabel']],
    ['name=wei', ['li']],
    ['name=kwabena%20os', ['text']],
    ['family=m%C3%BCl&given=annab', ['annabel']],
    ['family=mul&gender=female', ['anna', 'annabel']],
  ] as const)('%s finds the names that start with it, ignoring case and accents', async (query, expected) => {
    expect(await find(query)).toEqual(whom(...expected));
  });

  it.each([
    ['family:exact=M%C3%BCller', ['anna']],
    ['family:exact=Mu%CC%88ller', ['anna']],
    ['family:exact=m%C3%BCller', ['annabel']],
    ['family:exact=Muller', []],
    ['family:exact=M%C3%BCl', []],
    ['family:exact=Li', ['li']],
    ['given:exact=Anna', ['anna']],
    ['name:exact=Anna', ['anna']],
    ['name:exact=Kwabena%20Osei-Bonsu', ['text']],
    ['family:exact=M%C3%BCller&given=annab', []],
    ['family:exact=m%C3%BCller&given=annab', ['annabel']],
  ] as const)('%s finds the names exactly as written', async (query, expected) => {
    expect(await find(query)).toEqual(whom(...expected));
  });

  it('a name no patient starts with finds an empty searchset', async () => {
    expect(await find('family=zzz')).toEqual([]);
    expect(await find('given=ull')).toEqual([]);
    expect(await find('family=m%C3%BCllerin')).toEqual([]);
  });

  it.each([
    ['family=mu', 'family'],
    ['given=a', 'given'],
    ['name=li', 'name'],
    ['name=%20%20li%20', 'name'],
  ])('%s is refused with 400: a name search needs at least 3 characters', async (query, param) => {
    const response = await api(`/Patient?${query}`, { token: namesAdmin });
    expect(response.status, response.text).toBe(400);
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
    expect(issueExpressions(response)).toContain(`query.${param}`);
    expect(String(field(response.json, 'issue', 0, 'diagnostics'))).toMatch(
      new RegExp(`^${param} must have at least 3 characters`),
    );
  });

  it.each(['family:contains=ull', 'given:contains=nna', 'name:contains=ei'])(
    '%s is refused with 400: blind indexes cannot find a value inside a name',
    async (query) => {
      const response = await api(`/Patient?${query}`, { token: namesAdmin });
      expect(response.status, response.text).toBe(400);
      const [param = ''] = query.split(':');
      expect(String(field(response.json, 'issue', 0, 'diagnostics'))).toBe(
        `the modifier :contains is not served for ${param} (served: ${param}:exact)`,
      );
    },
  );

  it('POST _search serves starts-with and :exact as the GET does', async () => {
    const response = await api('/Patient/_search', {
      method: 'POST',
      token: namesAdmin,
      rawBody: 'family=m%C3%BCl&given%3Aexact=Annabel',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status, response.text).toBe(200);
    expect(entryIds(response)).toEqual([people.annabel]);
  });
});

describe('Patient search paging', () => {
  const pagingOrg = newOrg();
  let pager: string;
  const created: string[] = [];

  beforeAll(async () => {
    pager = await token({ role: 'admin', org: pagingOrg, sub: 'pager-admin' });
    for (let index = 0; index < 7; index++) {
      created.push(
        await createPatient(pager, patient('Pagewright', [`Given${index}`], '1990-01-01', 'other')),
      );
    }
  });

  async function collect(first: string, pageSize = 3): Promise<{ ids: string[]; pages: number }> {
    const seen: string[] = [];
    let path: string | undefined = first;
    let pages = 0;
    while (path !== undefined && pages < 20) {
      const page = await api(path, { token: pager });
      expect(page.status, page.text).toBe(200);
      expect(entryIds(page).length).toBeLessThanOrEqual(pageSize);
      seen.push(...entryIds(page));
      path = nextLink(page);
      pages++;
    }
    return { ids: seen, pages };
  }

  it.each([
    '/Patient?family=pagewright&_count=3',
    '/Patient?_count=3',
    '/Patient?birthdate=1990&gender=other&_count=3',
  ])('following the next links of %s shows every match exactly once', async (first) => {
    const { ids: seen, pages } = await collect(first);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(seen.length).toBe(7);
    expect([...seen].sort()).toEqual([...created].sort());
  });

  async function firstCursor(): Promise<{ next: string; cursor: string }> {
    const page = await api('/Patient?family=pagewright&_count=3', { token: pager });
    const next = nextLink(page);
    if (!next) throw new Error('no next link');
    const cursor = new URL(next, 'http://x').searchParams.get('_cursor');
    if (!cursor) throw new Error('no cursor');
    return { next, cursor };
  }

  it('a tampered cursor is refused with 400', async () => {
    const { cursor } = await firstCursor();
    const [body = '', mac = ''] = cursor.split('.');
    const flipped = (text: string) => `${text.slice(0, 5)}${text[5] === 'A' ? 'B' : 'A'}${text.slice(6)}`;
    for (const tampered of [
      `${flipped(body)}.${mac}`,
      `${body}.${flipped(mac)}`,
      body,
      'not-a-cursor',
      `${cursor}.x`,
    ]) {
      const response = await api(
        `/Patient?family=pagewright&_count=3&_cursor=${encodeURIComponent(tampered)}`,
        {
          token: pager,
        },
      );
      expect(response.status, response.text).toBe(400);
    }
  });

  it("another user's cursor, or a cursor for another query, is refused with 400", async () => {
    const { next, cursor } = await firstCursor();
    expect((await api(next, { token: pager })).status).toBe(200);
    const colleague = await token({ role: 'admin', org: pagingOrg, sub: 'other-admin' });
    const stolen = await api(next, { token: colleague });
    expect(stolen.status, stolen.text).toBe(400);
    const otherQuery = await api(
      `/Patient?family=pagewright&_count=4&_cursor=${encodeURIComponent(cursor)}`,
      {
        token: pager,
      },
    );
    expect(otherQuery.status, otherQuery.text).toBe(400);
    const otherParam = await api(`/Patient?given=given1&_count=3&_cursor=${encodeURIComponent(cursor)}`, {
      token: pager,
    });
    expect(otherParam.status, otherParam.text).toBe(400);
  });

  it.each([
    'nickname=paddy',
    'family=pagewright&unknown=1',
    '_count=0',
    '_count=101',
    '_count=ten',
    'birthdate=ge1990',
    'gender=woman',
    'family=abc,def',
    'family=abc&family=def',
    'family=pa',
    'family:contains=agew',
    'family:exact=a,b',
    'family:missing=true',
  ])('an invalid search %s is refused with 400', async (query) => {
    const response = await api(`/Patient?${query}`, { token: pager });
    expect(response.status, response.text).toBe(400);
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  });

  it('_count=100 and _count=1 are accepted', async () => {
    const all = await collect('/Patient?family=pagewright&_count=100', 100);
    expect(all.pages).toBe(1);
    expect([...all.ids].sort()).toEqual([...created].sort());
    const single = await api('/Patient?family=pagewright&_count=1', { token: pager });
    expect(single.status).toBe(200);
    expect(entryIds(single)).toHaveLength(1);
  });
});

describe('Patient name search paging', () => {
  const pagingOrg = newOrg();
  let pager: string;
  const kestreltons: string[] = [];
  const kestrels: string[] = [];

  beforeAll(async () => {
    pager = await token({ role: 'admin', org: pagingOrg, sub: 'name-pager' });
    // Same prefix token (kes), so the page reads both and the decrypted names decide.
    for (let index = 0; index < 5; index++) {
      kestreltons.push(
        await createPatient(pager, patient('Kestrelton', [`Given${index}`], '1990-01-01', 'other')),
      );
      kestrels.push(await createPatient(pager, patient('Kestrel', [`Given${index}`], '1990-01-01', 'other')));
    }
  });

  async function follow(first: string, pageSize: number): Promise<string[]> {
    const seen: string[] = [];
    let path: string | undefined = first;
    for (let pages = 0; path !== undefined && pages < 30; pages++) {
      const page = await api(path, { token: pager });
      expect(page.status, page.text).toBe(200);
      expect(entryIds(page).length).toBeLessThanOrEqual(pageSize);
      seen.push(...entryIds(page));
      path = nextLink(page);
    }
    return seen;
  }

  it('with _count=1 the next links lead to every match of a prefix search once, and past no other', async () => {
    const seen = await follow('/Patient?family=kestrelt&_count=1', 1);
    expect(seen).toHaveLength(5);
    expect([...seen].sort()).toEqual([...kestreltons].sort());
  });

  it('with _count=2 a prefix shared by all of them pages through all of them once', async () => {
    const seen = await follow('/Patient?family=kes&_count=2', 2);
    expect(seen).toHaveLength(10);
    expect([...seen].sort()).toEqual([...kestreltons, ...kestrels].sort());
  });

  it('an :exact search pages as well', async () => {
    const seen = await follow('/Patient?family:exact=Kestrel&_count=1', 1);
    expect([...seen].sort()).toEqual([...kestrels].sort());
  });
});
