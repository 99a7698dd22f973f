import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { PatientAccess } from '../../../shared/auth/policy.ts';
import type { StartKey } from '../../../shared/crypto/cursor.ts';
import { ensureLocalKeyMaterial } from '../../../shared/crypto/local-keys.ts';
import type { SearchHooks, WriteHooks } from '../../../shared/store/hooks/types.ts';
import { idempotencyOf } from '../../../shared/store/idempotency.ts';
import {
  createResource,
  deleteResource,
  expectVersion,
  patchResource,
  readResource,
  readResourceVersion,
  searchResources,
  updateResource,
} from '../../../shared/store/repository.ts';
import {
  cancelled,
  fakeStore,
  headItem,
  resetStore,
  type SentCommand,
  storeRequest,
  transactItems,
} from '../../support/fake-store.ts';

/** A made-up type with every kind of hook, so the engine is tested apart from any real type. */
const Basic = z.object({
  resourceType: z.literal('Basic'),
  id: z.optional(z.string()),
  meta: z.optional(z.object({ versionId: z.optional(z.string()), lastUpdated: z.optional(z.string()) })),
  code: z.string(),
  subject: z.string(),
});
type Basic = z.infer<typeof Basic>;

// Break-glass reasons are sealed with the data key: local key material for this file.
const keys = mkdtempSync(join(tmpdir(), 'engine-unit-'));
ensureLocalKeyMaterial(keys);
process.env.LOCAL_KEY_DIR = keys;
afterAll(() => rmSync(keys, { recursive: true, force: true }));

const ORG = 'org-1';
const admin = { sub: 'admin-1', role: 'admin' as const, org: ORG };
let decision: PatientAccess = { allowed: true, breakGlass: false };
const lockItem = { Put: { TableName: 'records', Item: { pk: 'lock', sk: 'l' } } };

const basic: WriteHooks<Basic> & SearchHooks<Basic, { _count: number; _cursor?: string; code?: string }> = {
  resourceType: 'Basic',
  searchParameters: [{ name: 'code', type: 'token', expression: 'Basic.code', index: 'blind' }],
  patientCompartment: ['subject'],
  clear: ['id'],
  schema: Basic,
  compartmentPatient: (resource) => resource.subject,
  access: async () => decision,
  searchIndex: {
    tokens: async (org, resource) => [`${org}#Basic?code=${resource.code}`],
    key: (_org, token, id) => ({ pk: token, sk: id }),
  },
  versionPlan: (_request, _version, current) => ({
    head: { subjectPk: 'subject' },
    items: current ? [] : [lockItem],
    onCancel: (codes) => (codes[0] === 'ConditionalCheckFailed' ? new Error('lock taken') : undefined),
  }),
  plan: async (_request, query) => ({
    read: async (_start: StartKey | undefined) => ({
      candidates: ['b1', 'b2', 'b3'].map((id) => ({ id, key: { pk: id } })),
    }),
    matches: (head) => query.code === undefined || head.resource.code === query.code,
  }),
};

const resource = (id: string, code = 'x', subject = 'p1'): Basic & { id: string } => ({
  resourceType: 'Basic',
  id,
  code,
  subject,
});

/** A scripted table: heads by id, and what each TransactWriteCommand does in turn. */
function table(heads: Record<string, Record<string, unknown>>, transactions: (string[] | 'ok')[] = []) {
  return fakeStore((command: SentCommand) => {
    const key = command.input.Key as { pk: string; sk: string } | undefined;
    switch (command.name) {
      case 'GetCommand': {
        const item = Object.values(heads).find((head) => head.pk === key?.pk && head.sk === key?.sk);
        return { Item: item };
      }
      case 'BatchGetCommand':
        return { Responses: { records: Object.values(heads) } };
      case 'TransactWriteCommand': {
        const next = transactions.shift() ?? 'ok';
        if (next !== 'ok') throw cancelled(next);
        return {};
      }
      default:
        throw new Error(`unexpected ${command.name}`);
    }
  });
}

beforeEach(() => {
  decision = { allowed: true, breakGlass: false };
});
afterEach(resetStore);

describe('the resource engine: create', () => {
  it('writes head, version, search items, the hook’s items, the idempotency record, then the AuditEvent', async () => {
    const sent = table({});
    const request = storeRequest(admin, 'createPatient');
    const idempotency = idempotencyOf(admin, { 'idempotency-key': 'k-1' }, resource('ignored'));
    const { stored, replayed } = await createResource(request, basic, resource('client-id'), idempotency);
    expect(replayed).toBe(false);
    expect(stored.id).not.toBe('client-id');
    expect(stored.versionId).toBe(1);
    expect(stored.resource.meta?.versionId).toBe('1');
    const items = transactItems(sent.find((command) => command.name === 'TransactWriteCommand'));
    expect(items.map((item) => item.Put?.Item?.sk ?? item.Put?.Item?.pk)).toEqual([
      'head',
      'v#0000000001',
      stored.id,
      'l',
      'idem',
      expect.any(String),
    ]);
    expect(items[0]?.Put?.Item).toMatchObject({ subjectPk: 'subject', tokens: [`${ORG}#Basic?code=x`] });
    expect(items[5]?.Put?.TableName).toBe('audit');
    expect(request.audit.entities).toEqual([`Basic/${stored.id}`]);
  });

  it('maps a cancellation of the hook’s own items through the hook', async () => {
    table({}, [['None', 'None', 'None', 'ConditionalCheckFailed', 'None']]);
    await expect(createResource(storeRequest(admin), basic, resource('a'))).rejects.toThrow('lock taken');
  });

  it('replays what the first request created when the idempotency record is taken, naming only that', async () => {
    const first = await headItem(ORG, 'Basic', resource('first', 'x', 'p9'));
    const sent = fakeStore((command) => {
      if (command.name === 'TransactWriteCommand') {
        throw cancelled(['None', 'None', 'None', 'None', 'ConditionalCheckFailed', 'None']);
      }
      const key = command.input.Key as { sk: string };
      if (key.sk === 'idem') {
        return {
          Item: {
            requestHash: idempotency?.requestHash,
            ref: 'Basic/first',
            expiresAt: Math.floor(Date.now() / 1000) + 60,
          },
        };
      }
      return { Item: first };
    });
    const request = storeRequest(admin, 'createPatient');
    const idempotency = idempotencyOf(admin, { 'idempotency-key': 'k-2' }, resource('a'));
    const { stored, replayed } = await createResource(request, basic, resource('a'), idempotency);
    expect(replayed).toBe(true);
    expect(stored.id).toBe('first');
    expect(request.audit.entities).toEqual(['Basic/first', 'Patient/p9']);
    expect(request.audit.patientId).toBe('p9');
    expect(sent.filter((command) => command.name === 'TransactWriteCommand')).toHaveLength(1);
  });

  it('runs beforeCreate first: its refusal writes nothing', async () => {
    const sent = table({});
    const refusing: WriteHooks<Basic> = {
      ...basic,
      beforeCreate: async () => {
        throw new Error('invalid');
      },
    };
    await expect(createResource(storeRequest(admin), refusing, resource('a'))).rejects.toThrow('invalid');
    expect(sent).toEqual([]);
  });
});

describe('the resource engine: read and access', () => {
  it('reads a live head and notes it with its compartment’s patient', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1')) });
    const request = storeRequest(admin);
    const stored = await readResource(request, basic, 'b1');
    expect(stored.resource.code).toBe('x');
    expect(request.audit.entities).toEqual(['Basic/b1', 'Patient/p1']);
    expect(request.audit.patientId).toBe('p1');
  });

  it('answers 404 for unknown and hidden, 403 for refused but known, 410 for deleted', async () => {
    table({
      b1: await headItem(ORG, 'Basic', resource('b1')),
      b2: await headItem(ORG, 'Basic', resource('b2'), { versionId: 2, deleted: true }),
    });
    const status = (promise: Promise<unknown>) =>
      promise.then(
        () => 200,
        (error: { status?: number }) => error.status,
      );
    expect(await status(readResource(storeRequest(admin), basic, 'nope'))).toBe(404);
    expect(await status(readResource(storeRequest(admin), basic, 'b2'))).toBe(410);
    decision = { allowed: false, hide: true };
    expect(await status(readResource(storeRequest(admin), basic, 'b1'))).toBe(404);
    decision = { allowed: false, hide: false };
    expect(await status(readResource(storeRequest(admin), basic, 'b1'))).toBe(403);
  });

  it('vreads a version for whoever may read the resource; a missing version is a 404', async () => {
    const version = { ...(await headItem(ORG, 'Basic', resource('b1'))), sk: 'v#0000000001' };
    table({ b1: await headItem(ORG, 'Basic', resource('b1'), { versionId: 1 }), v1: version });
    expect((await readResourceVersion(storeRequest(admin), basic, 'b1', 1)).versionId).toBe(1);
    await expect(readResourceVersion(storeRequest(admin), basic, 'b1', 7)).rejects.toMatchObject({
      status: 404,
    });
  });
});

describe('the resource engine: break-glass', () => {
  const clinician = { sub: 'dr-1', role: 'clinician' as const, org: ORG, practitionerId: 'pr-9' };
  const reason = 'unconscious patient in the emergency room';

  it('notes a read resting on break-glass on the trail, with the reason and its envelope', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1')) });
    decision = { allowed: true, breakGlass: true };
    const request = storeRequest(clinician, 'readPatient', reason);
    await readResource(request, basic, 'b1');
    expect(request.audit.breakGlassReason).toBe(reason);
    expect(request.audit.reasonEnvelope).toBeDefined();
  });

  it('refuses a change resting on break-glass with a 403 that the trail marks as break-glass', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1')) });
    decision = { allowed: false, hide: false, breakGlass: true };
    const request = storeRequest(clinician, 'updatePatient', reason);
    await expect(updateResource(request, basic, 'b1', 1, resource('b1', 'y'))).rejects.toMatchObject({
      status: 403,
      message: expect.stringMatching(/break-glass/),
    });
    expect(request.audit.breakGlassReason).toBe(reason);
  });

  it('in a search, notes break-glass only when a match it rests on is listed', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1', 'x')) });
    decision = { allowed: true, breakGlass: true };
    const none = storeRequest(clinician, 'searchPatients', reason);
    expect((await searchResources(none, basic, { _count: 10, code: 'z' }, {})).matches).toEqual([]);
    expect(none.audit.breakGlassReason).toBeUndefined();
    const listed = storeRequest(clinician, 'searchPatients', reason);
    expect((await searchResources(listed, basic, { _count: 10, code: 'x' }, {})).matches).toHaveLength(1);
    expect(listed.audit.breakGlassReason).toBe(reason);
  });
});

describe('the resource engine: changes', () => {
  it('wants If-Match (428) at the current version (412), and the URL’s id (400)', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1'), { versionId: 2 }) });
    await expect(
      updateResource(storeRequest(admin), basic, 'b1', undefined, resource('b1')),
    ).rejects.toMatchObject({ status: 428 });
    await expect(updateResource(storeRequest(admin), basic, 'b1', 1, resource('b1'))).rejects.toMatchObject({
      status: 412,
    });
    await expect(updateResource(storeRequest(admin), basic, 'b1', 2, resource('b9'))).rejects.toMatchObject({
      status: 400,
    });
  });

  it('writes the next version on the expected one, replacing changed search items only', async () => {
    const sent = table({
      b1: await headItem(ORG, 'Basic', resource('b1'), { versionId: 2, tokens: [`${ORG}#Basic?code=x`] }),
    });
    const stored = await updateResource(storeRequest(admin), basic, 'b1', 2, resource('b1', 'y'));
    expect(stored.versionId).toBe(3);
    const items = transactItems(sent.find((command) => command.name === 'TransactWriteCommand'));
    expect(items[0]?.Put?.ExpressionAttributeValues).toEqual({ ':expected': 2 });
    expect(items[2]?.Put?.Item).toMatchObject({ pk: `${ORG}#Basic?code=y`, sk: 'b1', id: 'b1', org: ORG });
    expect(items[3]?.Delete?.Key).toEqual({ pk: `${ORG}#Basic?code=x`, sk: 'b1' });
  });

  it('answers 412 when another writer changed the head meanwhile', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1')) }, [['TransactionConflict', 'None', 'None']]);
    await expect(
      updateResource(storeRequest(admin), basic, 'b1', 1, resource('b1', 'y')),
    ).rejects.toMatchObject({
      status: 412,
    });
  });

  it('patches through the hook’s limits, then validates the result', async () => {
    table({ b1: await headItem(ORG, 'Basic', resource('b1')) });
    const seen: string[] = [];
    const hooked: WriteHooks<Basic> = {
      ...basic,
      beforePatch: () => seen.push('beforePatch'),
      beforeChange: async (_request, current, next) => {
        seen.push(`beforeChange ${current.resource.code}->${next.code}`);
      },
    };
    const stored = await patchResource(storeRequest(admin), hooked, 'b1', 1, [
      { op: 'replace', path: '/code', value: 'z' },
    ]);
    expect(stored.resource.code).toBe('z');
    expect(seen).toEqual(['beforePatch', 'beforeChange x->z']);
    await expect(
      patchResource(storeRequest(admin), hooked, 'b1', 1, [{ op: 'remove', path: '/code' }]),
    ).rejects.toMatchObject({ status: 422 });
  });

  it('deletes logically, with its search items; a deleted record deletes again as a success', async () => {
    const sent = table({
      b1: await headItem(ORG, 'Basic', resource('b1'), { tokens: [`${ORG}#Basic?code=x`] }),
      b2: await headItem(ORG, 'Basic', resource('b2'), { versionId: 2, deleted: true }),
    });
    await expect(deleteResource(storeRequest(admin), basic, 'b1', 5)).rejects.toMatchObject({ status: 412 });
    await deleteResource(storeRequest(admin), basic, 'b1', undefined);
    const items = transactItems(sent.find((command) => command.name === 'TransactWriteCommand'));
    expect(items[0]?.Put?.Item).toMatchObject({ sk: 'head', versionId: 2, deleted: true, payloadVersion: 1 });
    expect(items[2]?.Delete?.Key).toEqual({ pk: `${ORG}#Basic?code=x`, sk: 'b1' });
    const writes = sent.length;
    await deleteResource(storeRequest(admin), basic, 'b2', undefined);
    expect(sent.slice(writes).map((command) => command.name)).toEqual(['GetCommand']);
  });

  it('retries a transaction lost only to concurrency when the type asks for it', async () => {
    const sent = table({}, [['None', 'TransactionConflict', 'None', 'None', 'None'], 'ok']);
    const retrying: WriteHooks<Basic> = { ...basic, retryConflicts: { busyMessage: 'busy' } };
    await createResource(storeRequest(admin), retrying, resource('a'));
    expect(sent.filter((command) => command.name === 'TransactWriteCommand')).toHaveLength(2);
  });
});

describe('the resource engine: search', () => {
  it('lists live matches the caller may read, each with its compartment’s patient on the trail', async () => {
    table({
      b1: await headItem(ORG, 'Basic', resource('b1', 'x', 'p1')),
      b2: await headItem(ORG, 'Basic', resource('b2', 'y', 'p2')),
      b3: await headItem(ORG, 'Basic', resource('b3', 'x', 'p3'), { versionId: 2, deleted: true }),
    });
    const request = storeRequest(admin, 'searchPatients');
    const page = await searchResources(request, basic, { _count: 10 }, {});
    expect(page.matches.map((match) => match.id)).toEqual(['b1', 'b2']);
    expect(request.audit.entities).toEqual(['Basic/b1', 'Patient/p1', 'Basic/b2', 'Patient/p2']);
    expect(request.audit.patientId).toBeUndefined();
    const one = storeRequest(admin, 'searchPatients');
    expect((await searchResources(one, basic, { _count: 10, code: 'y' }, {})).matches).toHaveLength(1);
    expect(one.audit.patientId).toBe('p2');
  });

  it('reads nothing, not even the cursor, when the plan has no key space for the caller', async () => {
    const sent = table({});
    const nothing = { ...basic, plan: async () => ({}) };
    const page = await searchResources(storeRequest(admin), nothing, { _count: 10, _cursor: 'garbage' }, {});
    expect(page).toEqual({ matches: [] });
    expect(sent).toEqual([]);
  });
});

describe('expectVersion', () => {
  it('is optional only where the change says so', () => {
    const current = { id: 'b1', versionId: 3 };
    expect(() => expectVersion(basic, current, undefined, false)).not.toThrow();
    expect(() => expectVersion(basic, current, 3)).not.toThrow();
    expect(() => expectVersion(basic, current, undefined)).toThrow(/If-Match/);
    expect(() => expectVersion(basic, current, 2, false)).toThrow('Basic/b1 is at version 3, not 2');
  });
});
