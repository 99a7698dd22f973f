import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, paginateQuery, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { config } from '../config.ts';
import {
  addHours,
  DIGEST_PARTITION,
  type DigestEntry,
  digestPagePartition,
  digestPageSortKey,
  digestText,
  entryOf,
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
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: tableNames().audit,
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :through',
      ExpressionAttributeValues: { ':pk': DIGEST_PARTITION, ':from': from, ':through': through },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) if (typeof item.sk === 'string') found.set(item.sk, item);
  }
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

/**
 * One line for every item stored in one hour's partition, whatever its kind (AuditEvents,
 * and any other item written there), in sort-key order (strongly consistent): every
 * attribute of each is covered by its item hash.
 */
export async function hourEntries(hour: string): Promise<DigestEntry[]> {
  const entries: DigestEntry[] = [];
  const pages = paginateQuery(
    { client: dynamo() },
    {
      TableName: tableNames().audit,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': eventPartition(hour) },
      ConsistentRead: true,
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) if (typeof item.sk === 'string') entries.push(entryOf(item));
  }
  return entries;
}

const retentionSeconds = (): number => config().AUDIT_RETENTION_DAYS * DAY_SECONDS;

/** Seals one hour, linking to the previous hour's digest if there is one. An hour already sealed is kept. */
export async function sealHour(
  hour: string,
  previous: StoredDigest | undefined,
  signer: DigestSigner,
  now: Date,
): Promise<{ digest: StoredDigest; created: boolean; items: number }> {
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
    return { digest: existing, created: false, items: 0 };
  }
  return { digest: { hour, text, signature }, created: true, items: entries.length };
}

export interface SealReport {
  sealed: string[];
  alreadySealed: string[];
  /** Items (events and any other item of an hour) in the hours this run sealed. */
  sealedItems: number;
  /** The newest sealed hour after this run, if any. */
  sealedThrough?: string;
  /** The first hour not sealed yet: it is sealed once complete, at `nextSealAt` at the latest. */
  pendingFrom?: string;
  nextSealAt?: string;
}

const minute = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** One line that says what is sealed and what is not yet. */
export function describeSeal(report: SealReport): string {
  const done =
    report.sealed.length === 0
      ? `nothing to seal${report.alreadySealed.length > 0 ? ` (${report.alreadySealed.length} hours already sealed)` : ''}`
      : `sealed ${report.sealed.length} hours: ${report.sealed[0]} to ${report.sealed[report.sealed.length - 1]} (${report.sealedItems} events)`;
  const through = report.sealedThrough ? `; sealed up to ${report.sealedThrough}` : '';
  const pending =
    report.pendingFrom && report.nextSealAt
      ? `; events from ${report.pendingFrom} on are not sealed yet (the next seal covers ${report.pendingFrom} at ${minute(Date.parse(report.nextSealAt))})`
      : '';
  return `${done}${through}${pending}`;
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
  const report: SealReport = { sealed: [], alreadySealed: [], sealedItems: 0 };
  let previous = await readDigest(addHours(from, -1));
  for (const hour of hoursBetween(from, through)) {
    const stored = existing.has(hour) ? toStored(existing.get(hour)) : undefined;
    if (stored) {
      report.alreadySealed.push(hour);
      previous = stored;
      continue;
    }
    const { digest, created, items } = await sealHour(hour, previous, signer, now);
    (created ? report.sealed : report.alreadySealed).push(hour);
    if (created) report.sealedItems += items;
    previous = digest;
  }
  return withPending(report, through, now);
}

/** When the hour after `through` is sealed at the latest: complete, the grace, one job interval. */
function withPending(report: SealReport, through: string, now: Date): SealReport {
  const pendingFrom = addHours(through, 1);
  const at = Math.max(
    hourStartMs(pendingFrom) + 60 * 60_000 + SEAL_GRACE_MS + config().SEAL_INTERVAL_MINUTES * 60_000,
    now.getTime(),
  );
  const last =
    report.sealed[report.sealed.length - 1] ?? report.alreadySealed[report.alreadySealed.length - 1];
  return {
    ...report,
    ...(last || report.sealedThrough ? { sealedThrough: last ?? report.sealedThrough } : {}),
    pendingFrom,
    nextSealAt: new Date(at).toISOString(),
  };
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
  const nothing: SealReport = { sealed: [], alreadySealed: [], sealedItems: 0 };
  if (through < earliest) return nothing;
  const newest = await newestDigestHour(earliest, through);
  const from = newest ? addHours(newest, 1) : earliest;
  if (from > through)
    return withPending({ ...nothing, ...(newest ? { sealedThrough: newest } : {}) }, through, now);
  return sealHours(from, through, { now, ...(options.signer ? { signer: options.signer } : {}) });
}
