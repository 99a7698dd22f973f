import { spawnSync } from 'node:child_process';
import { randomInt, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalGateway } from '../../bin/audit-local.ts';
import { changeName, itemName, localArchive } from '../../shared/audit/archive.ts';
import { addHours, DIGEST_PARTITION, hourAt, hourStartMs, parseDigest } from '../../shared/audit/digest.ts';
import { eventPartition } from '../../shared/audit/keys.ts';
import { appendAuditEvent } from '../../shared/audit/log.ts';
import { sealHours } from '../../shared/audit/seal.ts';
import { AUDIT_TAMPER_MESSAGE, consumeRecords } from '../../shared/audit/stream.ts';
import { AuditTrail } from '../../shared/audit/trail.ts';
import { type Finding, summarize, verifyHours } from '../../shared/audit/verify.ts';
import { canonicalItem, sha256Hex } from '../../shared/crypto/canonical.ts';
import { routes } from '../../shared/routes.ts';
import { api, dataDir, field, token } from '../support/api.ts';
import { localDynamo, type RawItem } from '../support/dynamo.ts';
import { ROOT } from '../support/gateway.ts';
import { gatewayLogLines } from '../support/gateway-log.ts';
import { newOrg } from '../support/patients.ts';

/**
 * The digest chain is global: every organization's events share the hour partitions, and
 * other test files write into the current hour while this one runs. So each test here
 * writes synthetic events in-process (the real AuditTrail.build and appendAuditEvent) into
 * its own three hours of a random day in 2001, seals exactly those hours, tampers with the
 * raw table, and verifies exactly that range.
 */
const org = newOrg();
const otherOrg = newOrg();
const HOUR_MS = 60 * 60 * 1000;
const day = hourAt(Date.UTC(2001, 0, 1) + randomInt(0, 360) * 24 * HOUR_MS);
let slot = 0;

interface Seeded {
  id: string;
  org: string;
  hour: string;
  pk: string;
  sk: string;
}

/** Three hours with three events each (one of another organization), sealed; far from other tests' hours. */
async function sealedRange(): Promise<{ start: string; end: string; events: Seeded[] }> {
  const start = addHours(day, slot * 5);
  slot += 1;
  const events: Seeded[] = [];
  for (const hour of [start, addHours(start, 1), addHours(start, 2)]) {
    for (const [minute, owner] of [
      [5, org],
      [25, otherOrg],
      [45, org],
    ] as const) {
      const trail = new AuditTrail(
        routes.readPatient,
        { sub: `chain-${owner}`, role: 'clinician', org: owner, practitionerId: 'pr-chain' },
        { requestId: randomUUID(), sourceIp: '10.0.0.7', userAgent: 'audit-chain-test' },
      );
      trail.concernsPatient('chain-patient');
      const record = await trail.build(
        200,
        undefined,
        new Date(hourStartMs(hour) + minute * 60_000 + randomInt(0, 999)),
      );
      await appendAuditEvent(record);
      events.push({
        id: record.resource.id,
        org: owner,
        hour,
        pk: String(record.item.pk),
        sk: String(record.item.sk),
      });
    }
  }
  const end = addHours(start, 2);
  const report = await sealHours(start, end);
  expect(report.sealed).toEqual([start, addHours(start, 1), end]);
  return { start, end, events };
}

const table = () => localDynamo().tables.audit;
const client = () => localDynamo().client;

async function rawItem(pk: string, sk: string): Promise<RawItem> {
  const { Item } = await client().send(
    new GetCommand({ TableName: table(), Key: { pk, sk }, ConsistentRead: true }),
  );
  if (!Item) throw new Error(`no item ${pk} ${sk}`);
  return Item;
}

async function setAttributes(pk: string, sk: string, values: Record<string, unknown>): Promise<void> {
  const names = Object.keys(values);
  await client().send(
    new UpdateCommand({
      TableName: table(),
      Key: { pk, sk },
      UpdateExpression: `SET ${names.map((_, index) => `#n${index} = :v${index}`).join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(names.map((name, index) => [`#n${index}`, name])),
      ExpressionAttributeValues: Object.fromEntries(names.map((name, index) => [`:v${index}`, values[name]])),
      ConditionExpression: 'attribute_exists(pk)',
    }),
  );
}

const deleteItem = (pk: string, sk: string) =>
  client().send(new DeleteCommand({ TableName: table(), Key: { pk, sk } }));

const pick = (events: Seeded[], index: number): Seeded => {
  const event = events[index];
  if (!event) throw new Error(`no event ${index}`);
  return event;
};

/** A finding without the organization it concerns (asserted separately). */
const without = (finding: Finding): Record<string, unknown> =>
  Object.fromEntries(Object.entries(finding).filter(([key]) => key !== 'org'));

beforeAll(() => {
  useLocalGateway(dataDir());
});

describe('sealing and verifying the access log', () => {
  it('an untouched range verifies, its first hour starting a chain that links hour to hour', async () => {
    const { start, end } = await sealedRange();
    const report = await verifyHours(start, end);
    expect(report).toMatchObject({ valid: true, hours: 3, events: 9, sealedHours: 3, findings: [] });
    expect(report.chainStart).toEqual({ hour: start, reason: 'sealed-as-chain-start' });

    const first = await rawItem(DIGEST_PARTITION, start);
    const second = parseDigest(String((await rawItem(DIGEST_PARTITION, addHours(start, 1))).digest));
    expect(parseDigest(String(first.digest))?.previous).toBeNull();
    expect(second?.previous).toEqual({ hour: start, digestSha256: sha256Hex(String(first.digest)) });
    expect(second?.count).toBe(3);
  });

  it('an empty hour is sealed too, and a later run links to the digest before it', async () => {
    const start = addHours(day, slot * 5);
    slot += 1;
    expect((await sealHours(start, start)).sealed).toEqual([start]);
    expect(parseDigest(String((await rawItem(DIGEST_PARTITION, start)).digest))?.count).toBe(0);
    expect((await sealHours(start, addHours(start, 1))).alreadySealed).toEqual([start]);
    const next = parseDigest(String((await rawItem(DIGEST_PARTITION, addHours(start, 1))).digest));
    expect(next?.previous?.hour).toBe(start);
    expect((await verifyHours(start, addHours(start, 1))).valid).toBe(true);
  });

  it('an edited event is named: content that no longer matches its hash, or a hash that is not the sealed one', async () => {
    const { start, end, events } = await sealedRange();
    const [content, both] = [pick(events, 0), pick(events, 4)];
    const item = await rawItem(content.pk, content.sk);
    await setAttributes(content.pk, content.sk, {
      event: String(item.event).replace('"outcome":"0"', '"outcome":"4"'),
    });
    const other = String((await rawItem(both.pk, both.sk)).event).replace('audit-chain-test', 'innocent');
    await setAttributes(both.pk, both.sk, { event: other, hash: sha256Hex(other) });

    const report = await verifyHours(start, end);
    expect(report.valid).toBe(false);
    expect(report.findings.map(without)).toEqual([
      { kind: 'event-changed', id: content.id, reason: 'hash-mismatch', hour: content.hour, sk: content.sk },
      { kind: 'event-changed', id: both.id, reason: 'not-as-sealed', hour: both.hour, sk: both.sk },
    ]);
  });

  it('a deleted event is named', async () => {
    const { start, end, events } = await sealedRange();
    const gone = pick(events, 8);
    await deleteItem(gone.pk, gone.sk);
    const { findings } = await verifyHours(start, end);
    expect(findings.map(without)).toEqual([
      { kind: 'event-deleted', id: gone.id, hour: gone.hour, sk: gone.sk },
    ]);
    expect(findings[0]).toMatchObject({ org: gone.org });
  });

  it('an event inserted into a sealed hour is named', async () => {
    const { start, end } = await sealedRange();
    const trail = new AuditTrail(
      routes.readPatient,
      { sub: 'chain-forger', role: 'admin', org },
      { requestId: randomUUID(), sourceIp: '10.0.0.8', userAgent: 'forger' },
    );
    const forged = await trail.build(200, undefined, new Date(hourStartMs(addHours(start, 1)) + 30 * 60_000));
    await appendAuditEvent(forged);
    expect((await verifyHours(start, end)).findings.map(without)).toEqual([
      {
        kind: 'event-inserted',
        id: forged.resource.id,
        hour: addHours(start, 1),
        sk: String(forged.item.sk),
      },
    ]);
  });

  it('an event moved to another hour is named with where it was sealed and where it is', async () => {
    const { start, end, events } = await sealedRange();
    const moving = pick(events, 2);
    const item = await rawItem(moving.pk, moving.sk);
    const target = addHours(start, 2);
    const sk = `${target}:50:00.000Z#${moving.id}`;
    await deleteItem(moving.pk, moving.sk);
    await client().send(
      new PutCommand({
        TableName: table(),
        Item: { ...item, pk: eventPartition(target), sk, recordedSk: sk },
      }),
    );
    expect((await verifyHours(start, end)).findings.map(without)).toEqual([
      {
        kind: 'event-moved',
        id: moving.id,
        from: { hour: moving.hour, sk: moving.sk },
        to: { hour: target, sk },
      },
    ]);
  });

  it('two events that swapped places within their hour are both named as moved', async () => {
    const { start, end, events } = await sealedRange();
    const [first, second] = [pick(events, 3), pick(events, 5)];
    const [a, b] = [await rawItem(first.pk, first.sk), await rawItem(second.pk, second.sk)];
    await setAttributes(first.pk, first.sk, { event: b.event, hash: b.hash });
    await setAttributes(second.pk, second.sk, { event: a.event, hash: a.hash });
    const findings = (await verifyHours(start, end)).findings.map(without);
    expect(findings).toHaveLength(2);
    expect(findings).toEqual(
      expect.arrayContaining([
        {
          kind: 'event-moved',
          id: second.id,
          from: { hour: second.hour, sk: second.sk },
          to: { hour: first.hour, sk: first.sk },
        },
        {
          kind: 'event-moved',
          id: first.id,
          from: { hour: first.hour, sk: first.sk },
          to: { hour: second.hour, sk: second.sk },
        },
      ]),
    );
  });

  it('a dropped digest is named for its hour', async () => {
    const { start, end } = await sealedRange();
    await deleteItem(DIGEST_PARTITION, addHours(start, 1));
    expect((await verifyHours(start, end)).findings).toEqual([
      { kind: 'digest-missing', hour: addHours(start, 1) },
    ]);
  });

  it('a changed signature is named for its digest', async () => {
    const { start, end } = await sealedRange();
    const item = await rawItem(DIGEST_PARTITION, end);
    const signature = Buffer.from(String(item.signature), 'base64');
    signature[signature.length - 1] = (signature[signature.length - 1] ?? 0) ^ 0x01;
    await setAttributes(DIGEST_PARTITION, end, { signature: signature.toString('base64') });
    expect((await verifyHours(start, end)).findings).toEqual([{ kind: 'signature-invalid', hour: end }]);
  });

  it('a digest rewritten without the key breaks its signature and the next hour’s link', async () => {
    const { start, end } = await sealedRange();
    const item = await rawItem(DIGEST_PARTITION, start);
    await setAttributes(DIGEST_PARTITION, start, {
      digest: String(item.digest).replace('"count":3', '"count":2'),
    });
    const kinds = (await verifyHours(start, end)).findings.map(
      (finding) => `${finding.kind} ${'hour' in finding ? finding.hour : ''}`,
    );
    expect(kinds).toEqual(
      expect.arrayContaining([
        `signature-invalid ${start}`,
        `digest-broken ${start}`,
        `link-broken ${addHours(start, 1)}`,
      ]),
    );
  });
});

/** Three hours with events, NOT sealed, archived by the stream consumer (waited for). */
async function archivedUnsealedRange(): Promise<{ start: string; end: string; events: Seeded[] }> {
  const start = addHours(day, slot * 5);
  slot += 1;
  const events: Seeded[] = [];
  for (const hour of [start, addHours(start, 1), addHours(start, 2)]) {
    const trail = new AuditTrail(
      routes.readPatient,
      { sub: `chain-${org}`, role: 'clinician', org, practitionerId: 'pr-chain' },
      { requestId: randomUUID(), sourceIp: '10.0.0.7', userAgent: 'audit-chain-test' },
    );
    trail.concernsPatient('chain-patient');
    const record = await trail.build(
      200,
      undefined,
      new Date(hourStartMs(hour) + 15 * 60_000 + randomInt(0, 999)),
    );
    await appendAuditEvent(record);
    events.push({
      id: record.resource.id,
      org,
      hour,
      pk: String(record.item.pk),
      sk: String(record.item.sk),
    });
  }
  for (const event of events) await archived(event.pk, event.sk);
  return { start, end: addHours(start, 2), events };
}

const archiveDir = () => join(dataDir(), 'archive');
const archivePath = (pk: string, sk: string) => join(archiveDir(), itemName(pk, sk));

/** The archived text of an item, once the gateway's stream consumer has written it. */
async function archived(pk: string, sk: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (existsSync(archivePath(pk, sk))) return readFileSync(archivePath(pk, sk), 'utf8');
    if (Date.now() > deadline) throw new Error(`${pk} ${sk} was not archived in 20 s`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** The gateway's log lines of the tampering metric that name `sk`, once there. */
async function tamperLines(sk: string, count = 1): Promise<Record<string, unknown>[]> {
  const lines = await gatewayLogLines((line) => line.includes(AUDIT_TAMPER_MESSAGE) && line.includes(sk), {
    count,
    timeoutMs: 20_000,
  });
  return lines.map((line): Record<string, unknown> => JSON.parse(line));
}

/** Low-level items of a partition, as the stream and the archive see them. */
async function partitionItems(pk: string): Promise<RawItem[]> {
  const { Items } = await client().send(
    new QueryCommand({
      TableName: table(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pk },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

describe('the four tamperings of issue 14, by a writer with table access', () => {
  it('an event of an hour not sealed yet, rewritten before the seal: the archive names it, the stream alarms', async () => {
    const { start, end, events } = await archivedUnsealedRange();
    const victim = pick(events, 1);
    const item = await rawItem(victim.pk, victim.sk);
    const forged = String(item.event).replace('"outcome":"0"', '"outcome":"4"');
    // An overwrite, as PutItem without a condition does it: event and hash consistent.
    await client().send(
      new PutCommand({ TableName: table(), Item: { ...item, event: forged, hash: sha256Hex(forged) } }),
    );
    expect((await sealHours(start, end)).sealed).toHaveLength(3);
    for (const hour of [start, addHours(start, 1), end]) await archived(DIGEST_PARTITION, hour);

    // The chain alone cannot tell: the seal signed the forgery.
    expect((await verifyHours(start, end)).valid).toBe(true);
    const report = await verifyHours(start, end, { archive: localArchive(archiveDir()) });
    expect(report.valid).toBe(false);
    expect(report.findings.map(without)).toEqual([
      { kind: 'event-not-as-archived', id: victim.id, reason: 'changed', hour: victim.hour, sk: victim.sk },
    ]);
    const [line] = await tamperLines(victim.sk);
    expect(line).toMatchObject({
      message: AUDIT_TAMPER_MESSAGE,
      change: 'MODIFY',
      pk: victim.pk,
      sk: victim.sk,
    });
  });

  it('index attributes and expiry of sealed events changed: each is named, though the events are as sealed', async () => {
    const { start, end, events } = await sealedRange();
    const [moved, unlinked, expiring] = [pick(events, 0), pick(events, 3), pick(events, 6)];
    await setAttributes(moved.pk, moved.sk, { orgPk: otherOrg });
    await setAttributes(unlinked.pk, unlinked.sk, { patientPk: `${org}#someone-else`, outcome: '4' });
    await setAttributes(expiring.pk, expiring.sk, { expiresAt: 1 });
    const { findings } = await verifyHours(start, end);
    expect(findings.map(without)).toEqual([
      { kind: 'event-index-changed', id: moved.id, currentOrg: otherOrg, hour: moved.hour, sk: moved.sk },
      { kind: 'event-index-changed', id: unlinked.id, hour: unlinked.hour, sk: unlinked.sk },
      { kind: 'event-index-changed', id: expiring.id, hour: expiring.hour, sk: expiring.sk },
    ]);
    expect(findings.map((finding) => ('org' in finding ? finding.org : undefined))).toEqual([org, org, org]);
  });

  it('a forged event under a partition key that is not an hour: the indexes show it, the verifier names it', async () => {
    const { start, end } = await sealedRange();
    const trail = new AuditTrail(
      routes.readPatient,
      { sub: 'chain-forger', role: 'clinician', org, practitionerId: 'pr-forger' },
      { requestId: randomUUID(), sourceIp: '10.0.0.8', userAgent: 'forger' },
    );
    trail.concernsPatient('chain-patient');
    const forged = await trail.build(200, undefined, new Date(hourStartMs(addHours(start, 1)) + 20 * 60_000));
    const pk = `FORGED#${randomUUID()}`;
    await client().send(new PutCommand({ TableName: table(), Item: { ...forged.item, pk } }));
    const expected = {
      kind: 'event-outside-partition',
      id: forged.resource.id,
      pk,
      sk: String(forged.item.sk),
    };
    expect((await verifyHours(start, end)).findings.map(without)).toEqual([expected]);
    // The organization's own verification reads its indexes too.
    expect((await verifyHours(start, end, { scope: org })).findings.map(without)).toEqual([expected]);
    expect((await verifyHours(start, end, { scope: otherOrg })).findings).toEqual([]);
  });

  it('the newest digest removed and its hour rewritten: the missing digest is named at the tail', async () => {
    const { start, end, events } = await sealedRange();
    for (const hour of [start, addHours(start, 1), end]) await archived(DIGEST_PARTITION, hour);
    await deleteItem(DIGEST_PARTITION, end);
    const victim = pick(events, 8);
    const item = await rawItem(victim.pk, victim.sk);
    const forged = String(item.event).replace('"outcome":"0"', '"outcome":"4"');
    await setAttributes(victim.pk, victim.sk, { event: forged, hash: sha256Hex(forged) });
    const report = await verifyHours(start, end);
    expect(report.findings).toEqual([{ kind: 'digest-missing', hour: end }]);
    const withArchive = await verifyHours(start, end, { archive: localArchive(archiveDir()) });
    expect(withArchive.findings.map((finding) => finding.kind).sort()).toEqual(
      ['digest-missing', 'digest-not-as-archived', 'event-not-as-archived'].sort(),
    );
  });

  it('other items of an hour partition (a disclosure pointer, say) are sealed whole: untouched they verify, a changed index attribute is named', async () => {
    const { start, events } = await sealedRange();
    const event = pick(events, 1);
    // Shaped like a multi-patient search's pointer to one more disclosed patient: no event, no hash.
    const pointerHour = addHours(start, 3);
    const pointerPk = eventPartition(pointerHour);
    const sk = `${pointerHour}:10:00.000Z#${randomUUID()}`;
    await client().send(
      new PutCommand({
        TableName: table(),
        Item: {
          pk: pointerPk,
          sk: `${sk}#p#other-patient`,
          recordedSk: sk,
          orgPk: event.org,
          patientPk: `${event.org}#other-patient`,
        },
      }),
    );
    expect((await sealHours(addHours(start, 3), addHours(start, 3))).sealed).toEqual([pointerHour]);
    expect((await verifyHours(start, pointerHour)).valid).toBe(true);
    await setAttributes(pointerPk, `${sk}#p#other-patient`, { patientPk: `${event.org}#someone-else` });
    expect((await verifyHours(start, pointerHour)).findings.map(without)).toEqual([
      {
        kind: 'event-index-changed',
        id: `${sk.slice(sk.indexOf('#') + 1)}#p#other-patient`,
        hour: pointerHour,
        sk: `${sk}#p#other-patient`,
      },
    ]);
  });

  it('an hour that is not due yet is reported as not sealed, never as verified', async () => {
    const now = new Date();
    const current = hourAt(now.getTime());
    const report = await verifyHours(current, current, { scope: org });
    expect(report.findings).toEqual([]);
    expect(report.unsealedHours).toEqual([current]);
    expect(summarize(report)).toMatch(
      /^nothing sealed yet .*; \d+ events are not sealed yet \(the next seal covers /,
    );
  });
});

describe('the access log stream consumer (over DynamoDB Local’s stream)', () => {
  it('archives every item and digest of sealed hours byte for byte, write-once', async () => {
    const { start, end } = await sealedRange();
    const pks = [eventPartition(start), eventPartition(addHours(start, 1)), eventPartition(end)];
    const items: RawItem[] = [];
    for (const pk of pks) items.push(...(await partitionItems(pk)));
    for (const hour of [start, addHours(start, 1), end]) {
      const digest = await rawItem(DIGEST_PARTITION, hour);
      items.push(digest);
      const body = parseDigest(String(digest.digest));
      if (!body) throw new Error('unreadable digest');
      items.push(...(await partitionItems(`DIGEST#${hour}#${body.sealId}`)));
    }
    expect(items).toHaveLength(9 + 3 + 3);
    const archive = localArchive(archiveDir());
    for (const item of items) {
      const text = await archived(String(item.pk), String(item.sk));
      expect(text).toBe(canonicalItem(item));
      const copy: Record<string, { S?: string }> = JSON.parse(text);
      if (typeof item.event === 'string') expect(copy.event?.S).toBe(item.event);
      if (typeof item.digest === 'string') expect(copy.digest?.S).toBe(item.digest);
      // Write-once: read-only files that the archive never replaces.
      expect(statSync(archivePath(String(item.pk), String(item.sk))).mode & 0o222).toBe(0);
      expect(await archive.create(itemName(String(item.pk), String(item.sk)), 'forged')).toBe('exists');
      expect(readFileSync(archivePath(String(item.pk), String(item.sk)), 'utf8')).toBe(text);
    }
    const cli = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bin', 'audit-verify.ts'),
        '--from',
        `${start}:00:00Z`,
        '--to',
        `${end}:59:59Z`,
        '--archive',
        '--data-dir',
        dataDir(),
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 60_000 },
    );
    expect(cli.status, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^verified: 9 events sealed and verified up to .*; compared with the archive/);
  });

  it('counts a removal as tampering only before the retention ends, judged by the item’s key, not its expiresAt', async () => {
    const written = new Map<string, string>();
    const archive = {
      create: async (name: string, text: string) => {
        if (written.has(name)) return 'exists' as const;
        written.set(name, text);
        return 'created' as const;
      },
    };
    const record = (eventName: string, pk: string, sk: string, sequence: string) => ({
      eventName,
      dynamodb: {
        Keys: { pk: { S: pk }, sk: { S: sk } },
        OldImage: { pk: { S: pk }, sk: { S: sk }, expiresAt: { N: '1' } },
        SequenceNumber: sequence,
      },
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
    });
    const old = eventPartition('2001-01-01T00');
    const recent = eventPartition(hourAt(Date.now()));
    expect(
      await consumeRecords([record('REMOVE', old, '2001-01-01T00:01:00.000Z#a', '1')], { archive }),
    ).toEqual({
      archived: 1,
      tampering: 0,
    });
    // TTL deleted it (a service identity), but its hour is recent: the expiry was set early.
    expect(
      await consumeRecords([record('REMOVE', recent, `${hourAt(Date.now())}:01:00.000Z#b`, '2')], {
        archive,
      }),
    ).toEqual({ archived: 1, tampering: 1 });
    expect(await consumeRecords([{ eventName: 'UNKNOWN' }], { archive })).toEqual({
      archived: 0,
      tampering: 1,
    });
    expect([...written.keys()].filter((name) => name.startsWith('changes/'))).toHaveLength(1);
  });

  it('an overwrite raises the tampering metric and is archived with both images', async () => {
    const { events } = await sealedRange();
    const victim = pick(events, 2);
    const original = await archived(victim.pk, victim.sk);
    const item = await rawItem(victim.pk, victim.sk);
    await client().send(new PutCommand({ TableName: table(), Item: { ...item, outcome: '8' } }));
    const [line] = await tamperLines(victim.sk);
    expect(line).toMatchObject({ level: 'ERROR', change: 'MODIFY', pk: victim.pk, sk: victim.sk });
    // The first image stays; the change is kept beside it.
    expect(readFileSync(archivePath(victim.pk, victim.sk), 'utf8')).toBe(original);
    const changes = readdirSync(dirname(join(archiveDir(), changeName(victim.pk, victim.sk, '1', 'MODIFY'))));
    expect(changes.some((name) => name.endsWith('-MODIFY.json'))).toBe(true);
  });

  it('a removal before the retention ends raises the metric, as does an expiry set into the past', async () => {
    // Events of now: the test hours of 2001 are past the six years, where removal is expiry.
    const events: Seeded[] = [];
    for (const _ of [1, 2]) {
      const trail = new AuditTrail(
        routes.readPatient,
        { sub: `chain-${org}`, role: 'clinician', org, practitionerId: 'pr-chain' },
        { requestId: randomUUID(), sourceIp: '10.0.0.7', userAgent: 'audit-chain-test' },
      );
      const record = await trail.build(200);
      await appendAuditEvent(record);
      events.push({
        id: record.resource.id,
        org,
        hour: '',
        pk: String(record.item.pk),
        sk: String(record.item.sk),
      });
    }
    const [removed, expired] = [pick(events, 0), pick(events, 1)];
    await archived(removed.pk, removed.sk);
    await archived(expired.pk, expired.sk);
    await deleteItem(removed.pk, removed.sk);
    await setAttributes(expired.pk, expired.sk, { expiresAt: 1 });
    expect(await tamperLines(removed.sk)).toEqual([
      expect.objectContaining({ change: 'REMOVE', sk: removed.sk }),
    ]);
    expect(await tamperLines(expired.sk)).toEqual([
      expect.objectContaining({ change: 'MODIFY', sk: expired.sk }),
    ]);
  });
});

describe('GET /AuditEvent/$verify', () => {
  const range = (start: string, end: string) => `/AuditEvent/$verify?from=${start}:00:00Z&to=${end}:59:59Z`;

  it('answers an informational OperationOutcome for an untouched range', async () => {
    const { start, end } = await sealedRange();
    const compliance = await token({ role: 'compliance', org, sub: 'chain-compliance' });
    const response = await api(range(start, end), { token: compliance });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'issue')).toEqual([
      expect.objectContaining({
        severity: 'information',
        diagnostics: expect.stringMatching(/^verified: 6 events sealed and verified up to /),
      }),
    ]);
  });

  it('answers for the caller’s organization only: its own tampered event is named, another organization’s is not mentioned', async () => {
    const { start, end, events } = await sealedRange();
    const own = pick(events, 0);
    const foreign = pick(events, 4);
    const foreignGone = pick(events, 7);
    expect([own.org, foreign.org, foreignGone.org]).toEqual([org, otherOrg, otherOrg]);
    await deleteItem(own.pk, own.sk);
    await deleteItem(foreignGone.pk, foreignGone.sk);
    const item = await rawItem(foreign.pk, foreign.sk);
    await setAttributes(foreign.pk, foreign.sk, {
      event: String(item.event).replace('"outcome":"0"', '"outcome":"8"'),
    });
    const compliance = await token({ role: 'compliance', org, sub: 'chain-compliance' });
    const response = await api(range(start, end), { token: compliance });
    expect(response.status, response.text).toBe(200);
    const issues = field(response.json, 'issue');
    if (!Array.isArray(issues)) throw new Error('no issues');
    expect(issues[0]).toMatchObject({
      severity: 'information',
      diagnostics: expect.stringMatching(/^NOT verified: 1 findings .*; 5 events in sealed hours/),
    });
    const errors = issues.slice(1);
    expect(errors.map((issue) => field(issue, 'details', 'coding', 0, 'code'))).toEqual(['event-deleted']);
    expect(errors.flatMap((issue) => field(issue, 'expression') ?? [])).toEqual([`AuditEvent/${own.id}`]);
    expect(response.text).not.toContain(foreign.id);
    expect(response.text).not.toContain(foreignGone.id);
    expect(response.text).not.toContain(otherOrg);

    // The operator's whole-chain verification names all three.
    const kinds = (await verifyHours(start, end)).findings.map(
      (finding) => `${finding.kind} ${'id' in finding ? finding.id : ''}`,
    );
    expect(kinds.sort()).toEqual(
      [`event-deleted ${own.id}`, `event-deleted ${foreignGone.id}`, `event-changed ${foreign.id}`].sort(),
    );
  });

  it('refuses ranges over 24 hours or backwards, and callers other than compliance', async () => {
    const compliance = await token({ role: 'compliance', org, sub: 'chain-compliance' });
    for (const path of [
      '/AuditEvent/$verify?from=2001-01-01T00:00:00Z&to=2001-01-02T00:00:00Z',
      '/AuditEvent/$verify?from=2001-01-02T00:00:00Z&to=2001-01-01T00:00:00Z',
      '/AuditEvent/$verify?from=2001-01-01T00:00:00Z',
      '/AuditEvent/$verify?from=yesterday&to=today',
    ]) {
      const response = await api(path, { token: compliance });
      expect(response.status, path).toBe(400);
      expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
    }
    const admin = await token({ role: 'admin', org, sub: 'chain-admin' });
    expect((await api('/AuditEvent/$verify?from=2001-01-01&to=2001-01-01', { token: admin })).status).toBe(
      403,
    );
  });
});

describe('the audit CLIs', () => {
  const cli = (script: string, ...args: string[]) =>
    spawnSync(process.execPath, [join(ROOT, 'bin', script), ...args, '--data-dir', dataDir()], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });

  it('audit:verify exits 0 on an untouched range and 1 naming the event on a tampered one', async () => {
    const { start, end, events } = await sealedRange();
    const clean = cli('audit-verify.ts', '--from', `${start}:00:00Z`, '--to', `${end}:59:59Z`);
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/^verified: 9 events sealed and verified up to /);
    const gone = pick(events, 6);
    await deleteItem(gone.pk, gone.sk);
    const tampered = cli('audit-verify.ts', '--from', `${start}:00:00Z`, '--to', `${end}:59:59Z`);
    expect(tampered.status, tampered.stderr).toBe(1);
    expect(tampered.stdout).toContain(`event-deleted: AuditEvent/${gone.id}`);
  });

  it('audit:seal seals complete hours up to --through and refuses an hour that is not over', async () => {
    const through = hourAt(Date.now() - 2 * HOUR_MS);
    const sealed = cli('audit-seal.ts', '--through', through, '--lookback', '3');
    expect(sealed.status, sealed.stderr).toBe(0);
    expect(sealed.stdout).toMatch(/^(sealed \d+ hours|nothing to seal)/);
    expect(sealed.stdout).toMatch(/; events from \S+ on are not sealed yet \(the next seal covers \S+ at /);
    expect(parseDigest(String((await rawItem(DIGEST_PARTITION, through)).digest))?.hour).toBe(through);
    const current = cli('audit-seal.ts', '--through', hourAt(Date.now()));
    expect(current.status).toBe(2);
    expect(current.stderr).toContain('not complete');
  });
});
