import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { config } from '../config.ts';
import { dynamo, tableNames } from '../store/client.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import {
  addHours,
  DIGEST_PARTITION,
  type DigestEntry,
  digestPagePartition,
  digestPageSortKey,
  digestText,
  hourStartMs,
  hoursBetween,
  lastCompleteHour,
  pagesOf,
} from './digest.ts';
import { eventPartition } from './keys.ts';
import { type DigestSigner, digestSigner } from './signer.ts';

/**
 * Sealing the access log, hour by hour: the only writer of digests (the scheduled job and
 * `npm run audit:seal`). It reads AuditEvents and never changes one.
 */

/** Events are written within milliseconds of `recorded`; an hour is sealed this long after it ends. */
export const SEAL_GRACE_MS = 5 * 60 * 1000;
/** How far back the first run (or a run after a long outage) starts: older hours stay unsealed. */
export const SEAL_LOOKBACK_HOURS = 7 * 24;

const DAY_SECONDS = 24 * 60 * 60;

export class SealError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SealError';
  }
}

export interface StoredDigest {
  hour: string;
  /** The digest's canonical JSON, exactly as signed. */
  text: string;
  signature: string;
}

const DigestItem = z.object({ sk: z.string(), digest: z.string(), signature: z.string() });
const EventKeys = z.object({ sk: z.string(), hash: z.optional(z.unknown()), event: z.optional(z.unknown()) });
const HEX64 = /^[0-9a-f]{64}$/;

const toStored = (item: unknown): StoredDigest | undefined => {
  const parsed = DigestItem.safeParse(item);
  return parsed.success
    ? { hour: parsed.data.sk, text: parsed.data.digest, signature: parsed.data.signature }
    : undefined;
};

export async function readDigest(hour: string): Promise<StoredDigest | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableNames().audit,
      Key: { pk: DIGEST_PARTITION, sk: hour },
      ConsistentRead: true,
    }),
  );
  return Item ? toStored(Item) : undefined;
}

/** The digests of `from` to `through` (both included) that exist, by hour. */
export async function readDigests(from: string, through: string): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableNames().audit,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
        ExpressionAttributeValues: { ':pk': DIGEST_PARTITION, ':from': from, ':through': through },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) if (typeof item.sk === 'string') found.set(item.sk, item);
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** The newest digest in [from, through], if any. */
async function newestDigestHour(from: string, through: string): Promise<string | undefined> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: tableNames().audit,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
      ExpressionAttributeValues: { ':pk': DIGEST_PARTITION, ':from': from, ':through': through },
      ScanIndexForward: false,
      Limit: 1,
      ConsistentRead: true,
      ProjectionExpression: 'sk',
    }),
  );
  const sk = Items?.[0]?.sk;
  return typeof sk === 'string' ? sk : undefined;
}

/** Whether any digest is newer than `hour` (a gap before it is then a missing digest, not a pending one). */
export async function hasDigestAfter(hour: string): Promise<boolean> {
  const { Items } = await dynamo().send(
    new QueryCommand({
      TableName: tableNames().audit,
      KeyConditionExpression: 'pk = :pk AND sk > :hour',
      ExpressionAttributeValues: { ':pk': DIGEST_PARTITION, ':hour': hour },
      Limit: 1,
      ConsistentRead: true,
      ProjectionExpression: 'sk',
    }),
  );
  return (Items?.length ?? 0) > 0;
}

/** The sort keys and hashes of one hour's events, in sort-key order (strongly consistent). */
export async function hourEntries(hour: string): Promise<DigestEntry[]> {
  const entries: DigestEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableNames().audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': eventPartition(hour) },
        ProjectionExpression: 'sk, #hash, #event',
        ExpressionAttributeNames: { '#hash': 'hash', '#event': 'event' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const parsed = EventKeys.safeParse(item);
      if (!parsed.success) continue;
      const { sk, hash, event } = parsed.data;
      // An item without a well-formed hash is sealed with the hash of what it holds, so the
      // verifier still reports it when it changes again.
      const sealed =
        typeof hash === 'string' && HEX64.test(hash)
          ? hash
          : sha256Hex(typeof event === 'string' ? event : canonicalJson(event ?? null));
      entries.push({ sk, hash: sealed });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return entries;
}

const retentionSeconds = (): number => config().AUDIT_RETENTION_DAYS * DAY_SECONDS;

/** Seals one hour, linking to the previous hour's digest if there is one. An hour already sealed is kept. */
export async function sealHour(
  hour: string,
  previous: StoredDigest | undefined,
  signer: DigestSigner,
  now: Date,
): Promise<{ digest: StoredDigest; created: boolean }> {
  const entries = await hourEntries(hour);
  const sealId = randomUUID();
  const text = digestText({
    hour,
    entries,
    sealId,
    previous: previous ? { hour: previous.hour, digestText: previous.text } : undefined,
    signingKeyId: signer.keyId,
    sealedAt: now,
  });
  const signature = await signer.sign(text);
  // Digests outlive the last event of their hour by nothing: both expire with the retention period.
  const expiresAt = Math.floor(hourStartMs(addHours(hour, 1)) / 1000) + retentionSeconds();
  const { audit } = tableNames();
  const pages = pagesOf(entries);
  for (const [index, lines] of pages.entries()) {
    await dynamo().send(
      new PutCommand({
        TableName: audit,
        Item: {
          pk: digestPagePartition(hour, sealId),
          sk: digestPageSortKey(index),
          entries: lines,
          expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }
  try {
    await dynamo().send(
      new PutCommand({
        TableName: audit,
        Item: { pk: DIGEST_PARTITION, sk: hour, digest: text, signature, expiresAt },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    // Another run sealed this hour first: its digest stands, ours is dropped with its pages unnamed.
    const existing = await readDigest(hour);
    if (!existing) throw new SealError(`the digest of ${hour} exists but cannot be read`, { cause: error });
    return { digest: existing, created: false };
  }
  return { digest: { hour, text, signature }, created: true };
}

export interface SealReport {
  sealed: string[];
  alreadySealed: string[];
}

/**
 * Seals every hour from `from` to `through` in order; each links to the digest of the hour
 * before it if that exists, so the first hour of a range with no sealed predecessor
 * starts a chain.
 */
export async function sealHours(
  from: string,
  through: string,
  options: { signer?: DigestSigner; now?: Date } = {},
): Promise<SealReport> {
  const now = options.now ?? new Date();
  if (through > lastCompleteHour(now, SEAL_GRACE_MS)) {
    throw new SealError(
      `${through} is not complete yet (an hour is sealed ${SEAL_GRACE_MS / 60000} minutes after it ends)`,
    );
  }
  const signer = options.signer ?? digestSigner();
  const existing = await readDigests(from, through);
  const report: SealReport = { sealed: [], alreadySealed: [] };
  let previous = await readDigest(addHours(from, -1));
  for (const hour of hoursBetween(from, through)) {
    const stored = existing.has(hour) ? toStored(existing.get(hour)) : undefined;
    if (stored) {
      report.alreadySealed.push(hour);
      previous = stored;
      continue;
    }
    const { digest, created } = await sealHour(hour, previous, signer, now);
    (created ? report.sealed : report.alreadySealed).push(hour);
    previous = digest;
  }
  return report;
}

/**
 * The scheduled seal: every complete hour after the newest digest, up to `through` (the
 * newest complete hour by default), looking back at most `SEAL_LOOKBACK_HOURS`.
 */
export async function sealPending(
  options: { now?: Date; through?: string; signer?: DigestSigner; lookbackHours?: number } = {},
): Promise<SealReport> {
  const now = options.now ?? new Date();
  const complete = lastCompleteHour(now, SEAL_GRACE_MS);
  const through = options.through ?? complete;
  if (through > complete) {
    throw new SealError(`${through} is not complete yet; the newest complete hour is ${complete}`);
  }
  const earliest = addHours(complete, -(options.lookbackHours ?? SEAL_LOOKBACK_HOURS) + 1);
  if (through < earliest) return { sealed: [], alreadySealed: [] };
  const newest = await newestDigestHour(earliest, through);
  const from = newest ? addHours(newest, 1) : earliest;
  if (from > through) return { sealed: [], alreadySealed: [] };
  return sealHours(from, through, { now, ...(options.signer ? { signer: options.signer } : {}) });
}
