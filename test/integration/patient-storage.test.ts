import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import {
  getRecordItem,
  itemText,
  orgRecordItems,
  putRecordItem,
  resourceItems,
  scanTable,
  setRecordAttribute,
} from '../support/dynamo.ts';
import { createPatient, entryIds, newOrg, phiPatient, phiStrings, testPhi } from '../support/patients.ts';

const org = newOrg();
let admin: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'storage-admin' });
});

const heads = async (inOrg: string) =>
  (await orgRecordItems(inOrg)).filter(
    (item) => String(item.pk).startsWith(`${inOrg}#Patient#`) && item.sk === 'head',
  );

describe('PHI at rest', () => {
  it('no raw item of the records table or the access log contains the PHI of a stored patient', async () => {
    const phi = testPhi();
    const patient = phiPatient(phi, {
      contact: [
        {
          name: { family: phi.family, given: [phi.given] },
          telecom: [{ system: 'phone', value: phi.phone }],
        },
      ],
    });
    const id = await createPatient(admin, patient, { 'idempotency-key': `phi-${phi.identifier}` });
    const updated = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...patient, id, active: true },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(updated.status, updated.text).toBe(200);
    const searches = [
      `/Patient?family=${phi.family}`,
      `/Patient?given=${phi.given}&birthdate=${phi.birthDate}`,
      `/Patient?identifier=${encodeURIComponent(phi.identifier)}`,
      `/Patient?name=${phi.family.toUpperCase()}`,
    ];
    for (const search of searches) {
      const found = await api(search, { token: admin });
      expect(found.status, found.text).toBe(200);
      expect(field(found.json, 'entry', 0, 'resource', 'id')).toBe(id);
    }
    // A refused request, whose error answer and AuditEvent must not echo the body either.
    const refused = await api('/Patient', { token: admin, body: { ...patient, birthDate: `${phi.family}` } });
    expect(refused.status).toBe(400);
    expect(refused.text).not.toContain(phi.family);

    const records = await scanTable('records');
    const accessLog = await scanTable('audit');
    // The scan saw this patient's items, payloads included, so the search below is not vacuous.
    const own = records.filter((item) => String(item.pk).startsWith(`${org}#`));
    expect(own.filter((item) => item.id === id && item.payload instanceof Uint8Array)).toHaveLength(3);
    expect(accessLog.filter((item) => item.orgPk === org).length).toBeGreaterThanOrEqual(6);
    expect(itemText({ payload: new TextEncoder().encode(`x${phi.family}`) })).toContain(phi.family);

    for (const item of [...records, ...accessLog]) {
      const text = itemText(item).toLowerCase();
      for (const secret of phiStrings(phi)) {
        expect(
          text.includes(secret.toLowerCase()),
          `${secret} in ${String(item.pk)} ${String(item.sk)}`,
        ).toBe(false);
        const base64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
        expect(itemText(item).includes(base64), `base64 of ${secret} in ${String(item.pk)}`).toBe(false);
      }
    }
  });
  it("the gateway's log of those requests contains no PHI", async () => {
    const phi = testPhi();
    const id = await createPatient(admin, phiPatient(phi));
    const clinician = await token({ role: 'clinician', org, sub: 'log-dr', practitionerId: 'pr-log' });
    const denied = await api(`/Patient/${id}`, { token: clinician });
    expect(denied.status).toBe(404);
    expect(
      (await api(`/Patient?family=${phi.family}&birthdate=${phi.birthDate}`, { token: admin })).status,
    ).toBe(200);
    expect(
      (await api('/Patient', { token: admin, body: { ...phiPatient(phi), birthDate: phi.family } })).status,
    ).toBe(400);
    // The log is piped from the gateway process: give it a moment to reach the file.
    await new Promise((done) => setTimeout(done, 300));
    const log = readFileSync(inject('gatewayLog'), 'utf8');
    expect(log).toContain(String(denied.headers.get('x-request-id')));
    for (const secret of phiStrings(phi)) expect(log.includes(secret), secret).toBe(false);
  });
});

describe('payloads bound to their item', () => {
  it("another patient's payload copied over a head does not decrypt: 500 that leaks nothing, the source still reads", async () => {
    const phiA = testPhi();
    const phiB = testPhi();
    const a = await createPatient(admin, phiPatient(phiA));
    const b = await createPatient(admin, phiPatient(phiB));
    const source = await getRecordItem(`${org}#Patient#${a}`, 'head');
    expect(source?.payload).toBeInstanceOf(Uint8Array);
    await setRecordAttribute(`${org}#Patient#${b}`, 'head', 'payload', source?.payload);

    const swapped = await api(`/Patient/${b}`, { token: admin });
    expect(swapped.status).toBe(500);
    expect(swapped.json).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'fatal', code: 'exception', diagnostics: 'internal error' }],
    });
    for (const secret of [...phiStrings(phiA), ...phiStrings(phiB), a]) {
      expect(swapped.text).not.toContain(secret);
    }
    const searchB = await api(`/Patient?family=${phiA.family}`, { token: admin });
    expect(searchB.text).not.toContain(b);

    const original = await api(`/Patient/${a}`, { token: admin });
    expect(original.status, original.text).toBe(200);
    expect(field(original.json, 'name', 0, 'family')).toBe(phiA.family);
  });

  it("an older version's payload copied over a newer version does not decrypt, and the other versions still read", async () => {
    const phi = testPhi();
    const id = await createPatient(admin, phiPatient(phi));
    const updated = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...phiPatient(phi), id, gender: 'male' },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(updated.status, updated.text).toBe(200);
    const v1 = await getRecordItem(`${org}#Patient#${id}`, 'v#0000000001');
    expect(v1?.payload).toBeInstanceOf(Uint8Array);
    await setRecordAttribute(`${org}#Patient#${id}`, 'v#0000000002', 'payload', v1?.payload);

    const replayed = await api(`/Patient/${id}/_history/2`, { token: admin });
    expect(replayed.status).toBe(500);
    expect(field(replayed.json, 'issue', 0, 'diagnostics')).toBe('internal error');
    for (const secret of phiStrings(phi)) expect(replayed.text).not.toContain(secret);
    const version1 = await api(`/Patient/${id}/_history/1`, { token: admin });
    expect(version1.status, version1.text).toBe(200);
    expect(field(version1.json, 'gender')).toBe('female');
    const current = await api(`/Patient/${id}`, { token: admin });
    expect(current.status, current.text).toBe(200);
    expect(field(current.json, 'gender')).toBe('male');

    // The same rollback on the head: the record no longer reads at all rather than reading as version 1.
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payload', v1?.payload);
    const rolledBack = await api(`/Patient/${id}`, { token: admin });
    expect(rolledBack.status).toBe(500);
    for (const secret of phiStrings(phi)) expect(rolledBack.text).not.toContain(secret);
  });

  it("a payload copied into another organization's item does not decrypt there", async () => {
    const otherOrg = newOrg();
    const otherAdmin = await token({ role: 'admin', org: otherOrg, sub: 'storage-admin' });
    const phi = testPhi();
    const mine = await createPatient(admin, phiPatient(phi));
    const theirs = await createPatient(otherAdmin, phiPatient(testPhi()));
    const source = await getRecordItem(`${org}#Patient#${mine}`, 'head');
    await setRecordAttribute(`${otherOrg}#Patient#${theirs}`, 'head', 'payload', source?.payload);

    const read = await api(`/Patient/${theirs}`, { token: otherAdmin });
    expect(read.status).toBe(500);
    for (const secret of phiStrings(phi)) expect(read.text).not.toContain(secret);
    expect((await api(`/Patient/${mine}`, { token: admin })).status).toBe(200);
  });
});

describe('a head opens only as its own version', () => {
  /** A patient whose GP (and only the GP) may read the record. */
  async function patientWithGp() {
    const phi = testPhi();
    const gp = `pr-${phi.identifier.slice(-6)}`;
    const doctor = await token({ role: 'clinician', org, sub: 'storage-gp', practitionerId: gp });
    const id = await createPatient(
      admin,
      phiPatient(phi, { generalPractitioner: [{ reference: `Practitioner/${gp}` }] }),
    );
    return { phi, doctor, id };
  }

  it("a head pointed at an older version's payload by payloadVersion does not open: a revoked GP stays revoked", async () => {
    const { phi, doctor, id } = await patientWithGp();
    expect((await api(`/Patient/${id}`, { token: doctor })).status).toBe(200);
    const revoked = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...phiPatient(phi), id },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect((await api(`/Patient/${id}`, { token: doctor })).status).toBe(404);

    // A table writer rolls the head back to version 1 while it still says version 2.
    const v1 = await getRecordItem(`${org}#Patient#${id}`, 'v#0000000001');
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payload', v1?.payload);
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payloadVersion', 1);

    const asDoctor = await api(`/Patient/${id}`, { token: doctor });
    expect(asDoctor.status).toBe(500);
    expect(field(asDoctor.json, 'issue', 0, 'diagnostics')).toBe('internal error');
    for (const secret of [...phiStrings(phi), id]) expect(asDoctor.text).not.toContain(secret);
    expect((await api(`/Patient/${id}`, { token: admin })).status).toBe(500);
    expect((await api(`/Patient/${id}/_history`, { token: doctor })).status).toBe(500);
    const listed = await api(`/Patient?family=${phi.family}`, { token: admin });
    expect(listed.status, listed.text).toBe(200);
    expect(entryIds(listed)).toEqual([]);
    // Put back, the head's own payload reads again as version 2, and the GP stays revoked.
    const v2 = await getRecordItem(`${org}#Patient#${id}`, 'v#0000000002');
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payload', v2?.payload);
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payloadVersion', 2);
    const restored = await api(`/Patient/${id}`, { token: admin });
    expect(restored.status, restored.text).toBe(200);
    expect(field(restored.json, 'meta', 'versionId')).toBe('2');
    expect((await api(`/Patient/${id}`, { token: doctor })).status).toBe(404);
  });

  it('a deletion marker pointed at an older version does not open either', async () => {
    const { phi, doctor, id } = await patientWithGp();
    const revoked = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...phiPatient(phi), id },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(revoked.status, revoked.text).toBe(200);
    expect((await api(`/Patient/${id}`, { method: 'DELETE', token: admin })).status).toBe(204);
    expect((await api(`/Patient/${id}/_history`, { token: doctor })).status).toBe(404);

    const v1 = await getRecordItem(`${org}#Patient#${id}`, 'v#0000000001');
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payload', v1?.payload);
    await setRecordAttribute(`${org}#Patient#${id}`, 'head', 'payloadVersion', 1);
    const history = await api(`/Patient/${id}/_history`, { token: doctor });
    expect(history.status).toBe(500);
    for (const secret of phiStrings(phi)) expect(history.text).not.toContain(secret);
  });

  it("another patient's whole head item copied over a head does not read as that patient", async () => {
    const phiA = testPhi();
    const a = await createPatient(admin, phiPatient(phiA));
    const b = await createPatient(admin, phiPatient(testPhi()));
    const source = await getRecordItem(`${org}#Patient#${a}`, 'head');
    await putRecordItem({ ...source, pk: `${org}#Patient#${b}` });

    const read = await api(`/Patient/${b}`, { token: admin });
    expect(read.status).toBe(500);
    for (const secret of [...phiStrings(phiA), a]) expect(read.text).not.toContain(secret);
    const listed = await api(`/Patient?_id=${b}`, { token: admin });
    expect(listed.status, listed.text).toBe(200);
    expect(entryIds(listed)).toEqual([]);
    expect((await api(`/Patient/${a}`, { token: admin })).status).toBe(200);
  });
});

describe('Idempotency-Key on create', () => {
  it('the same key with the same body answers the same id and stores one resource', async () => {
    const keyOrg = newOrg();
    const clinician = await token({
      role: 'clinician',
      org: keyOrg,
      sub: 'idem-dr',
      practitionerId: 'pr-idem',
    });
    const body = phiPatient(testPhi());
    const headers = { 'idempotency-key': 'create-once-1' };
    const first = await api('/Patient', { token: clinician, body, headers });
    const second = await api('/Patient', { token: clinician, body, headers });
    expect(first.status, first.text).toBe(201);
    expect(second.status, second.text).toBe(201);
    expect(field(second.json, 'id')).toBe(field(first.json, 'id'));
    expect(second.headers.get('location')).toBe(first.headers.get('location'));
    expect(await heads(keyOrg)).toHaveLength(1);
    expect(await resourceItems(keyOrg, 'Patient', String(field(first.json, 'id')))).toHaveLength(2);

    // Another key is another request.
    const third = await api('/Patient', {
      token: clinician,
      body,
      headers: { 'idempotency-key': 'create-once-2' },
    });
    expect(third.status, third.text).toBe(201);
    expect(field(third.json, 'id')).not.toBe(field(first.json, 'id'));
    expect(await heads(keyOrg)).toHaveLength(2);
  });

  it('the same key with a different body is refused with 422 and creates nothing', async () => {
    const keyOrg = newOrg();
    const keyAdmin = await token({ role: 'admin', org: keyOrg, sub: 'idem-admin' });
    const headers = { 'idempotency-key': 'one-key' };
    const first = await api('/Patient', { token: keyAdmin, body: phiPatient(testPhi()), headers });
    expect(first.status, first.text).toBe(201);
    const itemsBefore = await orgRecordItems(keyOrg);
    const other = await api('/Patient', { token: keyAdmin, body: phiPatient(testPhi()), headers });
    expect(other.status, other.text).toBe(422);
    expect(await orgRecordItems(keyOrg)).toEqual(itemsBefore);
  });

  it('ten parallel creates with one key create exactly one resource and all name its id', async () => {
    const keyOrg = newOrg();
    const keyAdmin = await token({ role: 'admin', org: keyOrg, sub: 'idem-admin' });
    const body = phiPatient(testPhi());
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        api('/Patient', { token: keyAdmin, body, headers: { 'idempotency-key': 'parallel-key' } }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(201));
    const ids = new Set(answers.map((answer) => field(answer.json, 'id')));
    expect(ids.size).toBe(1);
    const created = await heads(keyOrg);
    expect(created).toHaveLength(1);
    expect(ids.has(created[0]?.id)).toBe(true);
  });

  it("the same key from another user is that user's own request", async () => {
    const keyOrg = newOrg();
    const one = await token({ role: 'admin', org: keyOrg, sub: 'idem-one' });
    const two = await token({ role: 'admin', org: keyOrg, sub: 'idem-two' });
    const body = phiPatient(testPhi());
    const headers = { 'idempotency-key': 'shared-key' };
    const first = await api('/Patient', { token: one, body, headers });
    const second = await api('/Patient', { token: two, body, headers });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(field(second.json, 'id')).not.toBe(field(first.json, 'id'));
  });
});
