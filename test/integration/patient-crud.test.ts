import { beforeAll, describe, expect, it } from 'vitest';
import { api, baseUrl, field, token } from '../support/api.ts';
import { orgRecordItems } from '../support/dynamo.ts';
import {
  createPatient,
  fixture,
  issueExpressions,
  newOrg,
  phiPatient,
  resourceOf,
  testPhi,
} from '../support/patients.ts';

const org = newOrg();
let admin: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'crud-admin' });
});

const SPEC_EXAMPLES = [
  'patient-example.json',
  'patient-example-b.json',
  'patient-example-f001-pieter.json',
  'patient-example-f201-roel.json',
  'patient-example-mom.json',
  'patient-example-newborn.json',
];

describe('Patient round trip', () => {
  it.each(SPEC_EXAMPLES)(
    'the spec example %s is created with server-set id and meta and reads back unchanged',
    async (name) => {
      const example = fixture(name);
      const clientMeta = field(example, 'meta');
      const sent = {
        ...example,
        id: 'client-chosen-id',
        meta: {
          ...(typeof clientMeta === 'object' && clientMeta !== null ? clientMeta : {}),
          versionId: '42',
          lastUpdated: '2001-01-01T00:00:00Z',
        },
      };
      const before = Date.now();
      const created = await api('/Patient', { token: admin, body: sent });
      expect(created.status, created.text).toBe(201);
      expect(created.headers.get('etag')).toBe('W/"1"');
      const id = field(created.json, 'id');
      expect(typeof id).toBe('string');
      expect(id).not.toBe('client-chosen-id');
      expect(created.headers.get('location')).toBe(`${baseUrl()}/Patient/${String(id)}/_history/1`);
      expect(field(created.json, 'meta', 'versionId')).toBe('1');
      const lastUpdated = field(created.json, 'meta', 'lastUpdated');
      expect(Date.parse(String(lastUpdated))).toBeGreaterThanOrEqual(before - 1000);

      const read = await api(`/Patient/${String(id)}`, { token: admin });
      expect(read.status, read.text).toBe(200);
      expect(read.headers.get('etag')).toBe('W/"1"');
      const { versionId: _v, lastUpdated: _t, ...keptMeta } = sent.meta;
      expect(read.json).toEqual({ ...example, id, meta: { ...keptMeta, versionId: '1', lastUpdated } });
      expect(created.json).toEqual(read.json);
    },
  );

  it('a client-sent id on create creates nothing under that id', async () => {
    const sent = { ...phiPatient(testPhi()), id: 'mass-assigned-id' };
    const id = await createPatient(admin, sent);
    expect(id).not.toBe('mass-assigned-id');
    expect((await api('/Patient/mass-assigned-id', { token: admin })).status).toBe(404);
  });
});

describe('Patient versions', () => {
  it('update, patch and delete follow If-Match, and history and vread keep every version', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const v1 = await api(`/Patient/${id}`, { token: admin });
    const resource = { ...resourceOf(v1), gender: 'other' };

    const noIfMatch = await api(`/Patient/${id}`, { method: 'PUT', token: admin, body: resource });
    expect(noIfMatch.status, noIfMatch.text).toBe(428);

    const updated = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: resource,
      headers: { 'if-match': 'W/"1"' },
    });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.headers.get('etag')).toBe('W/"2"');
    expect(field(updated.json, 'gender')).toBe('other');
    expect(field(updated.json, 'meta', 'versionId')).toBe('2');

    const stale = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: resource,
      headers: { 'if-match': 'W/"1"' },
    });
    expect(stale.status, stale.text).toBe(412);

    const otherId = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: { ...resource, id: 'another-id' },
      headers: { 'if-match': 'W/"2"' },
    });
    expect(otherId.status, otherId.text).toBe(400);
    expect(issueExpressions(otherId)).toContain('Patient.id');

    const patch = (operations: unknown, ifMatch: string, contentType = 'application/json-patch+json') =>
      api(`/Patient/${id}`, {
        method: 'PATCH',
        token: admin,
        rawBody: JSON.stringify(operations),
        headers: { 'content-type': contentType, 'if-match': ifMatch },
      });

    const patched = await patch([{ op: 'replace', path: '/gender', value: 'male' }], 'W/"2"');
    expect(patched.status, patched.text).toBe(200);
    expect(patched.headers.get('etag')).toBe('W/"3"');
    expect(field(patched.json, 'gender')).toBe('male');

    const patchId = await patch([{ op: 'replace', path: '/id', value: 'stolen' }], 'W/"3"');
    expect(patchId.status, patchId.text).toBe(422);
    const failedTest = await patch(
      [
        { op: 'test', path: '/gender', value: 'female' },
        { op: 'replace', path: '/gender', value: 'unknown' },
      ],
      'W/"3"',
    );
    expect(failedTest.status, failedTest.text).toBe(422);
    const wrongType = await patch(
      [{ op: 'replace', path: '/gender', value: 'unknown' }],
      'W/"3"',
      'application/json',
    );
    expect(wrongType.status, wrongType.text).toBe(415);
    const stalePatch = await patch([{ op: 'replace', path: '/gender', value: 'unknown' }], 'W/"2"');
    expect(stalePatch.status, stalePatch.text).toBe(412);
    const missingIfMatch = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: admin,
      rawBody: JSON.stringify([{ op: 'replace', path: '/gender', value: 'unknown' }]),
      headers: { 'content-type': 'application/json-patch+json' },
    });
    expect(missingIfMatch.status, missingIfMatch.text).toBe(428);
    // None of the refused changes made a version.
    expect(field((await api(`/Patient/${id}`, { token: admin })).json, 'meta', 'versionId')).toBe('3');

    const deleted = await api(`/Patient/${id}`, { method: 'DELETE', token: admin });
    expect(deleted.status, deleted.text).toBe(204);
    const gone = await api(`/Patient/${id}`, { token: admin });
    expect(gone.status, gone.text).toBe(410);

    const history = await api(`/Patient/${id}/_history`, { token: admin });
    expect(history.status, history.text).toBe(200);
    const entries = field(history.json, 'entry');
    if (!Array.isArray(entries)) throw new Error('history has no entries');
    expect(entries.map((entry) => field(entry, 'response', 'etag'))).toEqual([
      'W/"4"',
      'W/"3"',
      'W/"2"',
      'W/"1"',
    ]);
    expect(entries.map((entry) => field(entry, 'request', 'method'))).toEqual([
      'DELETE',
      'PUT',
      'PUT',
      'POST',
    ]);
    expect(field(entries[0], 'resource')).toBeUndefined();
    expect(field(entries[1], 'resource', 'gender')).toBe('male');
    expect(field(entries[3], 'resource', 'gender')).toBe('female');

    for (const [version, gender] of [
      [1, 'female'],
      [2, 'other'],
      [3, 'male'],
    ] as const) {
      const vread = await api(`/Patient/${id}/_history/${version}`, { token: admin });
      expect(vread.status, vread.text).toBe(200);
      expect(vread.headers.get('etag')).toBe(`W/"${version}"`);
      expect(field(vread.json, 'meta', 'versionId')).toBe(String(version));
      expect(field(vread.json, 'gender')).toBe(gender);
    }
    expect((await api(`/Patient/${id}/_history/4`, { token: admin })).status).toBe(410);
    expect((await api(`/Patient/${id}/_history/5`, { token: admin })).status).toBe(404);
    expect((await api(`/Patient/${id}/_history/99`, { token: admin })).status).toBe(404);
  });

  it('a deleted record refuses changes with 410, a stale delete is refused with 412, and a second delete changes nothing', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const current = resourceOf(await api(`/Patient/${id}`, { token: admin }));
    const staleDelete = await api(`/Patient/${id}`, {
      method: 'DELETE',
      token: admin,
      headers: { 'if-match': 'W/"7"' },
    });
    expect(staleDelete.status, staleDelete.text).toBe(412);
    const deleted = await api(`/Patient/${id}`, {
      method: 'DELETE',
      token: admin,
      headers: { 'if-match': 'W/"1"' },
    });
    expect(deleted.status, deleted.text).toBe(204);
    const put = await api(`/Patient/${id}`, {
      method: 'PUT',
      token: admin,
      body: current,
      headers: { 'if-match': 'W/"2"' },
    });
    expect(put.status, put.text).toBe(410);
    const patched = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: admin,
      rawBody: JSON.stringify([{ op: 'add', path: '/active', value: true }]),
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"2"' },
    });
    expect(patched.status, patched.text).toBe(410);
    const again = await api(`/Patient/${id}`, { method: 'DELETE', token: admin });
    expect(again.status, again.text).toBe(204);
    const history = await api(`/Patient/${id}/_history`, { token: admin });
    expect(field(history.json, 'entry', 'length')).toBe(2);
  });

  it('a vread of a version that does not exist on a live record answers 404', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const missing = await api(`/Patient/${id}/_history/2`, { token: admin });
    expect(missing.status, missing.text).toBe(404);
    expect(field(missing.json, 'resourceType')).toBe('OperationOutcome');
  });

  it('history pages with _count through every version exactly once', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    for (let version = 1; version <= 4; version++) {
      const response = await api(`/Patient/${id}`, {
        method: 'PATCH',
        token: admin,
        rawBody: JSON.stringify([{ op: 'add', path: '/active', value: version % 2 === 0 }]),
        headers: { 'content-type': 'application/json-patch+json', 'if-match': `W/"${version}"` },
      });
      expect(response.status, response.text).toBe(200);
    }
    const seen: unknown[] = [];
    let path: string | undefined = `/Patient/${id}/_history?_count=2`;
    let pages = 0;
    while (path && pages < 10) {
      const page = await api(path, { token: admin });
      expect(page.status, page.text).toBe(200);
      const entries = field(page.json, 'entry');
      if (Array.isArray(entries)) seen.push(...entries.map((entry) => field(entry, 'response', 'etag')));
      const links = field(page.json, 'link');
      const next = Array.isArray(links)
        ? links.find((link) => field(link, 'relation') === 'next')
        : undefined;
      const url = field(next, 'url');
      path = typeof url === 'string' ? `${new URL(url).pathname}${new URL(url).search}` : undefined;
      pages++;
    }
    expect(seen).toEqual(['W/"5"', 'W/"4"', 'W/"3"', 'W/"2"', 'W/"1"']);
  });
});

describe('Patient bad input', () => {
  const deep = (levels: number): unknown => {
    let value: unknown = 'leaf';
    for (let level = 0; level < levels; level++) value = { nested: value };
    return value;
  };

  it('malformed, mistyped, oversized, unknown, invalid and too deeply nested bodies are refused and write nothing', async () => {
    const id = await createPatient(admin, phiPatient(testPhi()));
    const before = await orgRecordItems(org);
    const valid = phiPatient(testPhi());

    const cases: {
      name: string;
      status: number;
      rawBody: string;
      contentType: string;
      expression?: string;
      diagnostics?: RegExp;
    }[] = [
      {
        name: 'malformed JSON',
        status: 400,
        rawBody: '{"resourceType": "Patient",',
        contentType: 'application/fhir+json',
        diagnostics: /not valid JSON/,
      },
      { name: 'wrong content type', status: 415, rawBody: JSON.stringify(valid), contentType: 'text/plain' },
      {
        name: 'over 1 MiB',
        status: 413,
        rawBody: JSON.stringify({ ...valid, name: [{ text: 'x'.repeat(1024 * 1024 + 1) }] }),
        contentType: 'application/fhir+json',
      },
      {
        name: 'unknown top-level field',
        status: 400,
        rawBody: JSON.stringify({ ...valid, isAdmin: true }),
        contentType: 'application/fhir+json',
        expression: 'Patient.isAdmin',
      },
      {
        name: 'invalid birthDate',
        status: 400,
        rawBody: JSON.stringify({ ...valid, birthDate: '1990-02-30' }),
        contentType: 'application/fhir+json',
        expression: 'Patient.birthDate',
      },
      {
        name: 'nesting deeper than 32',
        status: 400,
        rawBody: JSON.stringify({ ...valid, contact: [deep(40)] }),
        contentType: 'application/fhir+json',
        diagnostics: /nested deeper than 32/,
      },
    ];
    const targets: { method: string; path: string; headers: Record<string, string> }[] = [
      { method: 'POST', path: '/Patient', headers: {} },
      { method: 'PUT', path: `/Patient/${id}`, headers: { 'if-match': 'W/"1"' } },
    ];
    for (const target of targets) {
      for (const bad of cases) {
        const response = await api(target.path, {
          method: target.method,
          token: admin,
          rawBody: target.method === 'PUT' ? bad.rawBody.replace('{', `{"id":"${id}",`) : bad.rawBody,
          headers: { ...target.headers, 'content-type': bad.contentType },
        });
        expect(response.status, `${target.method} ${bad.name}: ${response.text}`).toBe(bad.status);
        expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
        if (bad.expression) expect(issueExpressions(response), bad.name).toContain(bad.expression);
        if (bad.diagnostics) expect(response.text, bad.name).toMatch(bad.diagnostics);
      }
    }
    expect(await orgRecordItems(org)).toEqual(before);
  });
});
