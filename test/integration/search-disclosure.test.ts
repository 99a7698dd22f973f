import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ApiResponse, api, dataDir, field, token } from '../support/api.ts';
import {
  getRecordItem,
  localDynamo,
  orgRecordItems,
  putRecordItem,
  setRecordAttribute,
} from '../support/dynamo.ts';
import { ROOT } from '../support/gateway.ts';
import {
  createPatient,
  entryIds,
  IDENTIFIER_SYSTEM,
  letters,
  newOrg,
  nextLink,
  phiPatient,
  testPhi,
} from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

const org = newOrg();
const otherOrg = newOrg();
/** The same sub in two organizations: a cursor must not carry over between them. */
const SHARED_SUB = 'disclosure-admin';
let admin: string;
let otherAdmin: string;
let secondAdmin: string;
let stranger: string;
let doctor: string;

const family = `Quorvane${letters(6)}`;
const hiddenMrn = `MRN-HID-${letters(10)}`;
const hiddenIds: string[] = [];
const doctorIds: string[] = [];

const person = (given: string, gender: string, mrn?: string) => ({
  resourceType: 'Patient',
  name: [{ family, given: [given] }],
  gender,
  birthDate: '1961-06-14',
  ...(mrn ? { identifier: [{ system: IDENTIFIER_SYSTEM, value: mrn }] } : {}),
});

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: SHARED_SUB });
  otherAdmin = await token({ role: 'admin', org: otherOrg, sub: SHARED_SUB });
  secondAdmin = await token({ role: 'admin', org, sub: 'disclosure-admin-2' });
  stranger = await token({ role: 'clinician', org, sub: 'disclosure-stranger', practitionerId: 'pr-none' });
  doctor = await token({ role: 'clinician', org, sub: 'disclosure-dr', practitionerId: 'pr-disclosure' });
  hiddenIds.push(await createPatient(admin, person('Hidra', 'female', hiddenMrn)));
  for (const given of ['Hilda', 'Hector']) hiddenIds.push(await createPatient(admin, person(given, 'male')));
  // Registering a patient gives the registering clinician a care relationship.
  for (const given of ['Doria', 'Dorian'])
    doctorIds.push(await createPatient(doctor, person(given, given === 'Doria' ? 'female' : 'male')));
});

const issueCode = (response: ApiResponse) => field(response.json, 'issue', 0, 'code');

/** The Bundle with its self link's URL taken out (it repeats the query, which differs by design). */
function withoutSelf(response: ApiResponse): unknown {
  const links = field(response.json, 'link');
  return {
    ...(response.json as Record<string, unknown>),
    link: Array.isArray(links) ? links.filter((link) => field(link, 'relation') !== 'self') : links,
  };
}

/** Every page of a search, following `next`. */
async function allPages(path: string, as: string): Promise<{ ids: string[]; pages: ApiResponse[] }> {
  const pages: ApiResponse[] = [];
  const ids: string[] = [];
  for (let next: string | undefined = path; next && pages.length < 20; ) {
    const response = await api(next, { token: as });
    expect(response.status, response.text).toBe(200);
    pages.push(response);
    ids.push(...entryIds(response));
    next = nextLink(response);
  }
  return { ids, pages };
}

const cursorOf = (response: ApiResponse): string => {
  const next = nextLink(response);
  const cursor = next ? new URL(next, 'http://x').searchParams.get('_cursor') : null;
  if (!cursor) throw new Error(`no next cursor in ${response.text}`);
  return cursor;
};

describe('searches reveal nothing the caller may not see', () => {
  it("a hidden patient's MRN search answers exactly like a search for an MRN nobody has", async () => {
    const unknownMrn = `MRN-HID-${letters(10)}`;
    for (const count of ['1', '20']) {
      const hidden = await api(`/Patient?identifier=${hiddenMrn}&_count=${count}`, { token: stranger });
      const unknown = await api(`/Patient?identifier=${unknownMrn}&_count=${count}`, { token: stranger });
      expect(hidden.status).toBe(200);
      expect(unknown.status).toBe(200);
      expect(withoutSelf(hidden)).toEqual(withoutSelf(unknown));
      expect(nextLink(hidden)).toBeUndefined();
      const [hiddenId] = hiddenIds;
      expect(hidden.text).not.toContain(hiddenId);
    }
    // The record is there: its own clinicians' and the admin's search find it.
    expect(entryIds(await api(`/Patient?identifier=${hiddenMrn}`, { token: admin }))).toEqual([hiddenIds[0]]);
  });

  it('a clinician who may see none of the listed patients gets no next link and no cursor to page on', async () => {
    for (const path of [`/Patient?_count=1`, `/Patient?family=${family}&_count=1`]) {
      const response = await api(path, { token: stranger });
      expect(response.status, response.text).toBe(200);
      expect(entryIds(response)).toEqual([]);
      expect(nextLink(response)).toBeUndefined();
    }
  });

  it('next appears only while more visible matches exist, and the pages show each exactly once', async () => {
    const one = await api(`/Patient?family=${family}&_count=2`, { token: doctor });
    expect(entryIds(one).sort()).toEqual([...doctorIds].sort());
    expect(nextLink(one)).toBeUndefined();
    const paged = await allPages(`/Patient?family=${family}&_count=1`, doctor);
    expect(paged.ids.sort()).toEqual([...doctorIds].sort());
    expect(paged.pages).toHaveLength(2);
    expect(nextLink(paged.pages[1] as ApiResponse)).toBeUndefined();
  });

  it('_summary=count counts the matches the caller may see, not what exists', async () => {
    const count = async (as: string) => {
      const response = await api(`/Patient?family=${family}&_summary=count`, { token: as });
      expect(response.status, response.text).toBe(200);
      return field(response.json, 'total');
    };
    expect(await count(admin)).toBe(5);
    expect(await count(doctor)).toBe(2);
    expect(await count(stranger)).toBe(0);
  });

  it('a cursor shows no key, id or token of the page it continues', async () => {
    const first = await api(`/Patient?family=${family}&_count=1`, { token: admin });
    const cursor = cursorOf(first);
    const decoded = cursor.split('.').map((part) => Buffer.from(part, 'base64url').toString('latin1'));
    for (const text of [cursor, ...decoded]) {
      expect(text).not.toContain(org);
      expect(text).not.toContain('Patient');
      for (const id of [...hiddenIds, ...doctorIds]) expect(text).not.toContain(id);
    }
  });

  it('a Patient cursor replayed by another user, in another organization or with another query is a 400 OperationOutcome', async () => {
    const first = await api(`/Patient?family=${family}&_count=1`, { token: admin });
    const cursor = cursorOf(first);
    expect((await api(`/Patient?family=${family}&_count=1&_cursor=${cursor}`, { token: admin })).status).toBe(
      200,
    );
    for (const [path, as] of [
      [`/Patient?family=${family}&_count=1&_cursor=${cursor}`, secondAdmin],
      [`/Patient?family=${family}&_count=1&_cursor=${cursor}`, otherAdmin],
      [`/Patient?family=${family}&gender=male&_count=1&_cursor=${cursor}`, admin],
      [`/Patient?_count=1&_cursor=${cursor}`, admin],
    ] as const) {
      const replayed = await api(path, { token: as });
      expect(replayed.status, `${path}: ${replayed.text}`).toBe(400);
      expect(field(replayed.json, 'resourceType')).toBe('OperationOutcome');
      expect(issueCode(replayed)).toBe('value');
    }
  });

  it('Practitioner, Appointment and AuditEvent cursors open only for their user, organization and query', async () => {
    const hours = [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')];
    const practitioner = await createPractitioner(admin, practitionerBody(`Pracsen${letters(5)}`, hours));
    await createPractitioner(admin, practitionerBody(`Pracsen${letters(5)}`, hours));
    const day = utcDay(30);
    for (const [index, patient] of doctorIds.entries()) {
      const start = day + (9 + index) * HOUR;
      const booked = await api('/Appointment', {
        token: admin,
        body: appointmentBody(patient, practitioner, start, start + HOUR / 2),
      });
      expect(booked.status, booked.text).toBe(201);
    }
    // A clinician who may see none of those visits pages on nothing.
    const hidden = await api(`/Appointment?practitioner=${practitioner}&_count=1`, { token: stranger });
    expect(hidden.status, hidden.text).toBe(200);
    expect(entryIds(hidden)).toEqual([]);
    expect(nextLink(hidden)).toBeUndefined();
    const compliance = await token({ role: 'compliance', org, sub: SHARED_SUB });
    const otherCompliance = await token({ role: 'compliance', org: otherOrg, sub: SHARED_SUB });
    const cases: [string, string, string, string][] = [
      ['/Practitioner?_count=1', admin, otherAdmin, '/Practitioner?_count=2'],
      [`/Appointment?practitioner=${practitioner}&_count=1`, admin, otherAdmin, '/Appointment?_count=1'],
      [
        `/AuditEvent?agent=${SHARED_SUB}&_count=1`,
        compliance,
        otherCompliance,
        `/AuditEvent?agent=${SHARED_SUB}&_count=2`,
      ],
    ];
    for (const [path, owner, foreigner, otherQuery] of cases) {
      const first = await api(path, { token: owner });
      expect(first.status, first.text).toBe(200);
      const cursor = cursorOf(first);
      expect((await api(`${path}&_cursor=${cursor}`, { token: owner })).status).toBe(200);
      for (const [replay, as] of [
        [`${path}&_cursor=${cursor}`, foreigner],
        [`${otherQuery}&_cursor=${cursor}`, owner],
      ] as const) {
        const replayed = await api(replay, { token: as });
        expect(replayed.status, `${replay}: ${replayed.text}`).toBe(400);
        expect(field(replayed.json, 'resourceType')).toBe('OperationOutcome');
      }
    }
  });
});

describe('blind indexes are per organization', () => {
  const headOf = async (tenant: string, id: string) => {
    const head = await getRecordItem(`${tenant}#Patient#${id}`, 'head');
    const tokens = head?.tokens;
    if (!Array.isArray(tokens)) throw new Error(`Patient/${id} has no search keys`);
    return tokens.map(String);
  };

  it('the same name and MRN in two organizations give different index keys in the table', async () => {
    const phi = testPhi();
    const here = await createPatient(admin, phiPatient(phi));
    const there = await createPatient(otherAdmin, phiPatient(phi));
    const tokensOf = async (tenant: string, id: string) =>
      (await headOf(tenant, id)).map((pk) => pk.slice(`${tenant}#Patient`.length));
    const ours = await tokensOf(org, here);
    const theirs = await tokensOf(otherOrg, there);
    expect(ours.length).toBeGreaterThan(0);
    expect(ours.length).toBe(theirs.length);
    for (const key of ours) expect(theirs).not.toContain(key);
    // Each organization still finds its own record by those values.
    expect(entryIds(await api(`/Patient?identifier=${phi.identifier}`, { token: admin }))).toEqual([here]);
    expect(entryIds(await api(`/Patient?identifier=${phi.identifier}`, { token: otherAdmin }))).toEqual([
      there,
    ]);
  });

  it('gender is not stored as a blind index', async () => {
    const id = await createPatient(admin, person('Gendra', 'other'));
    expect((await headOf(org, id)).filter((pk) => pk.includes('?gender='))).toEqual([]);
    const items = await orgRecordItems(org);
    expect(items.filter((item) => String(item.pk).includes('?gender='))).toEqual([]);
  });

  it('a gender search still finds exactly its matches, alone and with other parameters', async () => {
    const tenant = newOrg();
    const tenantAdmin = await token({ role: 'admin', org: tenant, sub: 'gender-admin' });
    const female = await createPatient(tenantAdmin, person('Fea', 'female'));
    const male = await createPatient(tenantAdmin, person('Mo', 'male'));
    const unknown = await createPatient(tenantAdmin, person('Una', 'unknown'));
    const search = async (query: string) => {
      const { ids } = await allPages(`/Patient?${query}`, tenantAdmin);
      return ids.sort();
    };
    expect(await search('gender=female&_count=1')).toEqual([female]);
    expect(await search('gender=male')).toEqual([male]);
    expect(await search('gender=unknown')).toEqual([unknown]);
    expect(await search(`gender=male&family=${family}`)).toEqual([male]);
    expect(await search('gender=other')).toEqual([]);
  });
});

describe('npm run reindex', () => {
  /** The CLI in a child process; asynchronous, so this process keeps serving its sockets meanwhile. */
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      execFile(
        process.execPath,
        [join(ROOT, 'bin', 'reindex.ts'), ...args, '--data-dir', dataDir()],
        { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
        (error, stdout, stderr) =>
          done({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  const reindex = (tenant: string) => cli('--org', tenant);

  it('rebuilds a deleted index item and removes stale tokens, idempotently', async () => {
    const tenant = newOrg();
    const tenantAdmin = await token({ role: 'admin', org: tenant, sub: 'reindex-admin' });
    const phi = testPhi();
    const id = await createPatient(tenantAdmin, phiPatient(phi));
    const headPk = `${tenant}#Patient#${id}`;
    const before = (await getRecordItem(headPk, 'head'))?.tokens;
    if (!Array.isArray(before)) throw new Error('no search keys');
    const familyKey = before.map(String).find((pk) => pk.includes('?family='));
    if (!familyKey) throw new Error('no family search key');
    // A patient written before prefix tokens: one per name part (family, given), none on record.
    const prefixKeys = before.map(String).filter((pk) => pk.includes('?name-prefix='));
    expect(prefixKeys).toHaveLength(2);
    const { client, tables } = localDynamo();
    for (const pk of [familyKey, ...prefixKeys])
      await client.send(new DeleteCommand({ TableName: tables.records, Key: { pk, sk: id } }));
    // A token of an older scheme (gender was indexed once): reindex must remove it.
    const stale = `${tenant}#Patient?gender=old-token-${letters(8)}`;
    await putRecordItem({ pk: stale, sk: id, id, org: tenant });
    await setRecordAttribute(headPk, 'head', 'tokens', [
      ...before.filter((pk) => !prefixKeys.includes(String(pk))),
      stale,
    ]);
    expect(entryIds(await api(`/Patient?family=${phi.family}`, { token: tenantAdmin }))).toEqual([]);
    expect(entryIds(await api(`/Patient?family:exact=${phi.family}`, { token: tenantAdmin }))).toEqual([]);

    const run = await reindex(tenant);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      new RegExp(`^reindexed 1 patients of ${tenant}: \\d+ index items written, 1 stale removed`),
    );
    expect(run.stdout).not.toContain(phi.family);
    expect(entryIds(await api(`/Patient?family=${phi.family}`, { token: tenantAdmin }))).toEqual([id]);
    expect(entryIds(await api(`/Patient?family=${phi.family.slice(0, 3)}`, { token: tenantAdmin }))).toEqual([
      id,
    ]);
    expect(entryIds(await api(`/Patient?family:exact=${phi.family}`, { token: tenantAdmin }))).toEqual([id]);
    expect(await getRecordItem(stale, id)).toBeUndefined();
    const after = (await getRecordItem(headPk, 'head'))?.tokens;
    expect(after).toEqual(before);

    const again = await reindex(tenant);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain('0 stale removed');
    expect((await getRecordItem(headPk, 'head'))?.tokens).toEqual(before);
    expect(entryIds(await api(`/Patient?identifier=${phi.identifier}`, { token: tenantAdmin }))).toEqual([
      id,
    ]);
  }, 120_000);

  it('refuses to run without an organization', async () => {
    const run = await cli();
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('usage: npm run reindex -- --org <org>');
  });
});
