import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { getRecordItem, orgRecordItems, putRecordItem } from '../support/dynamo.ts';
import { IDENTIFIER_SYSTEM, letters, newOrg, phiPatient, testPhi } from '../support/patients.ts';

/** Conditional create (If-None-Exist, batch `ifNoneExist`) and the batch's Idempotency-Key (issue 13). */

const heads = async (inOrg: string) =>
  (await orgRecordItems(inOrg)).filter(
    (item) => String(item.pk).startsWith(`${inOrg}#Patient#`) && item.sk === 'head',
  );

const batch = (bearer: string, entry: unknown[], headers: Record<string, string> = {}) =>
  api('/', { token: bearer, body: { resourceType: 'Bundle', type: 'batch', entry }, headers });

const entriesOf = (response: ApiResponse): unknown[] => {
  const list = field(response.json, 'entry');
  return Array.isArray(list) ? list : [];
};
const statuses = (response: ApiResponse): string[] =>
  entriesOf(response).map((entry) => String(field(entry, 'response', 'status')));
const locations = (response: ApiResponse): string[] =>
  entriesOf(response).map((entry) => String(field(entry, 'response', 'location')));

const createEntry = (resource: unknown, ifNoneExist?: string) => ({
  request: { method: 'POST', url: 'Patient', ...(ifNoneExist ? { ifNoneExist } : {}) },
  resource,
});

async function adminOfNewOrg(): Promise<{ org: string; admin: string; sub: string }> {
  const org = newOrg();
  const sub = `cond-admin-${letters(4)}`;
  return { org, sub, admin: await token({ role: 'admin', org, sub }) };
}

describe('If-None-Exist on POST /Patient', () => {
  it('creates when nothing matches (201), answers the one match with 200 and creates nothing, and 412 on several', async () => {
    const { org, admin } = await adminOfNewOrg();
    const phi = testPhi();
    const criteria = `identifier=${IDENTIFIER_SYSTEM}|${phi.identifier}`;
    const headers = { 'if-none-exist': criteria };
    const first = await api('/Patient', { token: admin, body: phiPatient(phi), headers });
    expect(first.status, first.text).toBe(201);
    const again = await api('/Patient', { token: admin, body: phiPatient(phi), headers });
    expect(again.status, again.text).toBe(200);
    expect(field(again.json, 'id')).toBe(field(first.json, 'id'));
    expect(await heads(org)).toHaveLength(1);

    // A second record with the same identifier, registered without the condition.
    expect((await api('/Patient', { token: admin, body: phiPatient(phi) })).status).toBe(201);
    const several = await api('/Patient', { token: admin, body: phiPatient(phi), headers });
    expect(several.status, several.text).toBe(412);
    expect(field(several.json, 'resourceType')).toBe('OperationOutcome');
    expect(await heads(org)).toHaveLength(2);
  });

  it('a patient the clinician may not see is no match: the answer reveals nothing and creates their own record', async () => {
    const { org, admin } = await adminOfNewOrg();
    const phi = testPhi();
    expect((await api('/Patient', { token: admin, body: phiPatient(phi) })).status).toBe(201);
    const clinician = await token({ role: 'clinician', org, sub: 'cond-dr', practitionerId: 'pr-cond' });
    const response = await api('/Patient', {
      token: clinician,
      body: phiPatient(phi),
      headers: { 'if-none-exist': `identifier=${IDENTIFIER_SYSTEM}|${phi.identifier}` },
    });
    expect(response.status, response.text).toBe(201);
  });

  for (const [criteria, why] of [
    ['colour=blue', 'an unknown parameter'],
    ['_count=5&family=x', 'a paging parameter'],
    ['family=%zz', 'a malformed escape'],
    ['', 'no criteria'],
  ] as const) {
    it(`answers 400 and creates nothing for an If-None-Exist with ${why}`, async () => {
      const { org, admin } = await adminOfNewOrg();
      const response = await api('/Patient', {
        token: admin,
        body: phiPatient(testPhi()),
        headers: { 'if-none-exist': criteria },
      });
      expect(response.status, response.text).toBe(400);
      expect(field(response.json, 'issue', 0, 'expression', 0)).toMatch(/^header\.If-None-Exist/);
      expect(await heads(org)).toHaveLength(0);
    });
  }
});

describe('ifNoneExist in a batch', () => {
  it('the same batch of conditional creates sent twice creates each patient once; the second answers 200 with it', async () => {
    const { org, admin } = await adminOfNewOrg();
    const people = [testPhi(), testPhi()];
    const entry = people.map((phi) =>
      createEntry(phiPatient(phi), `identifier=${IDENTIFIER_SYSTEM}|${phi.identifier}`),
    );
    const first = await batch(admin, entry);
    expect(statuses(first), first.text).toEqual(['201 Created', '201 Created']);
    const second = await batch(admin, entry);
    expect(statuses(second), second.text).toEqual(['200 OK', '200 OK']);
    expect(entriesOf(second).map((one) => field(one, 'resource', 'id'))).toEqual(
      entriesOf(first).map((one) => field(one, 'resource', 'id')),
    );
    expect(await heads(org)).toHaveLength(2);
  });

  it('answers an entry 412 when several patients match, and refuses ifNoneExist where it is not served', async () => {
    const { org, admin } = await adminOfNewOrg();
    const family = `Twin${letters(6)}`;
    const twin = { resourceType: 'Patient', name: [{ family }] };
    // Entries run concurrently: the twins are registered first, in a batch of their own.
    expect(statuses(await batch(admin, [createEntry(twin), createEntry(twin)]))).toEqual([
      '201 Created',
      '201 Created',
    ]);
    const response = await batch(admin, [
      createEntry(twin, `family=${family}`),
      { request: { method: 'GET', url: `Patient?family=${family}`, ifNoneExist: `family=${family}` } },
    ]);
    expect(statuses(response), response.text).toEqual(['412 Precondition Failed', '400 Bad Request']);
    expect(await heads(org)).toHaveLength(2);
  });
});

describe('Idempotency-Key on a batch', () => {
  const keyPk = (org: string, sub: string, key: string) =>
    `${org}#idem#${sub}#${createHash('sha256').update(key).digest('base64url')}`;

  it('a retry with the same key and body replays the statuses, locations and resources, and creates nothing more', async () => {
    const { org, admin } = await adminOfNewOrg();
    const entry = [
      createEntry(phiPatient(testPhi())),
      createEntry({ resourceType: 'Patient', birthDate: 'soon' }),
    ];
    const headers = { 'idempotency-key': 'batch-once-1' };
    const first = await batch(admin, entry, headers);
    expect(statuses(first), first.text).toEqual(['201 Created', '400 Bad Request']);
    const retry = await batch(admin, entry, headers);
    expect(retry.status, retry.text).toBe(200);
    expect(statuses(retry)).toEqual(statuses(first));
    expect(locations(retry)[0]).toBe(locations(first)[0]);
    expect(field(entriesOf(retry)[0], 'resource')).toEqual(field(entriesOf(first)[0], 'resource'));
    expect(field(entriesOf(retry)[1], 'response', 'outcome', 'issue', 0, 'expression')).toEqual([
      'Patient.birthDate',
    ]);
    expect(await heads(org)).toHaveLength(1);
  });

  it('the same key with another body answers 422 and runs none of its entries', async () => {
    const { org, admin } = await adminOfNewOrg();
    const headers = { 'idempotency-key': 'batch-once-2' };
    expect((await batch(admin, [createEntry(phiPatient(testPhi()))], headers)).status).toBe(200);
    const other = await batch(admin, [createEntry(phiPatient(testPhi()))], headers);
    expect(other.status, other.text).toBe(422);
    expect(field(other.json, 'issue', 0, 'expression', 0)).toBe('header.Idempotency-Key');
    expect(await heads(org)).toHaveLength(1);
  });

  it('parallel retries of one batch create each patient exactly once, whichever attempt runs it', async () => {
    const { org, admin } = await adminOfNewOrg();
    const entry = [createEntry(phiPatient(testPhi())), createEntry(phiPatient(testPhi()))];
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => batch(admin, entry, { 'idempotency-key': 'batch-parallel' })),
    );
    for (const answer of answers) expect([200, 409], answer.text).toContain(answer.status);
    const done = answers.filter((answer) => answer.status === 200);
    expect(done.length).toBeGreaterThan(0);
    for (const answer of done) expect(locations(answer)).toEqual(locations(done[0] as ApiResponse));
    expect(await heads(org)).toHaveLength(2);
  });

  it('a retry while the first attempt still holds the key answers 409 and runs nothing', async () => {
    const { org, admin } = await adminOfNewOrg();
    const sub = String(
      field(JSON.parse(Buffer.from(admin.split('.')[1] ?? '', 'base64url').toString()), 'sub'),
    );
    const entry = [createEntry(phiPatient(testPhi()))];
    const headers = { 'idempotency-key': 'batch-in-flight' };
    // Claim the key as a first attempt would, by sending the batch once and then marking it unfinished.
    expect((await batch(admin, entry, headers)).status).toBe(200);
    const pk = keyPk(org, sub, 'batch-in-flight');
    const record = await getRecordItem(pk, 'batch');
    expect(record).toBeDefined();
    const now = Math.floor(Date.now() / 1000);
    const { response: _recorded, ...pending } = record ?? {};
    await putRecordItem({ ...pending, leaseUntil: now + 60 });
    const retry = await batch(admin, entry, headers);
    expect(retry.status, retry.text).toBe(409);
    expect(await heads(org)).toHaveLength(1);

    // The first attempt died: once its lease is over, a retry reruns the batch, and its create
    // entry replays the patient it created instead of creating another.
    await putRecordItem({ ...pending, leaseUntil: now - 1 });
    const rerun = await batch(admin, entry, headers);
    expect(statuses(rerun), rerun.text).toEqual(['201 Created']);
    expect(await heads(org)).toHaveLength(1);
    expect(field(entriesOf(rerun)[0], 'resource', 'id')).toBe(String((await heads(org))[0]?.id));
  });
});
