import * as z from 'zod/mini';
import { canonicalItem, canonicalJson, sha256Hex } from '../crypto/canonical.ts';

/**
 * The hourly digest of the access log, CloudTrail-style. Pure: no I/O.
 *
 * A digest seals one UTC hour (an empty hour too): one line for every item stored in the
 * hour's partition, in sort-key order (as a SHA-256 over the list, the list itself kept in
 * page items), their count, the SHA-256 of the previous hour's digest, and who signed it.
 * A line (version 2) is `<sk> <content hash> <item hash> <org>`: the AuditEvent's own hash,
 * the SHA-256 of the canonical form of the whole stored item (keys, index attributes, TTL:
 * every attribute, whatever kind of item it is), and the organization the item named when
 * sealed, so that an item's index attributes cannot change unseen and findings can be
 * given per organization. Version 1 lines (`<sk> <hash>`) of older digests still verify. Its
 * canonical JSON is what the signing key signs and what the next hour's digest hashes,
 * so changing, dropping or re-signing any digest breaks the chain after it.
 *
 * Items (access-log table):
 *   pk `DIGEST`, sk `<hour>`              the digest: `digest` (canonical JSON), `signature`
 *   pk `DIGEST#<hour>#<sealId>`, sk `0000` the event list, `PAGE_SIZE` lines `<sk> <hash>` a page
 * Pages carry the seal's id, so a seal that crashed after writing pages leaves only orphans
 * that no digest names; the digest's own attribute_not_exists write decides the winner.
 */

export const DIGEST_PARTITION = 'DIGEST';
export const digestPagePartition = (hour: string, sealId: string): string => `DIGEST#${hour}#${sealId}`;
export const digestPageSortKey = (page: number): string => String(page).padStart(4, '0');

/** Lines a page: ~130 bytes each, so a page stays far below DynamoDB's 400 KB item limit. */
export const PAGE_SIZE = 2000;
export const SIGNING_ALGORITHM = 'ECDSA_SHA_256';

const HOUR = /^\d{4}-\d{2}-\d{2}T\d{2}$/;
const hex64 = z.string().check(z.regex(/^[0-9a-f]{64}$/));
export const Hour = z.string().check(z.regex(HOUR, 'must be an hour such as 2026-11-25T08'));

export const DIGEST_VERSION = 2;

export const DigestBody = z.strictObject({
  version: z.literal([1, DIGEST_VERSION]),
  hour: Hour,
  count: z.number().check(z.int(), z.gte(0)),
  eventsSha256: hex64,
  pages: z.number().check(z.int(), z.gte(0)),
  sealId: z.string().check(z.regex(/^[0-9a-f-]{36}$/)),
  /** null: this digest starts a chain (no digest of the previous hour existed when it was sealed). */
  previous: z.nullable(z.strictObject({ hour: Hour, digestSha256: hex64 })),
  signingKeyId: z.string().check(z.minLength(1)),
  signingAlgorithm: z.literal(SIGNING_ALGORITHM),
  sealedAt: z.string(),
});
export type DigestBody = z.infer<typeof DigestBody>;

export interface DigestEntry {
  sk: string;
  /** The AuditEvent's content hash (its `hash` attribute, or the hash of what it holds). */
  hash: string;
  /** SHA-256 of the whole stored item's canonical form (version 2 lines only). */
  itemHash?: string;
  /** The item's `orgPk` when sealed (version 2 lines only; absent when it had none). */
  org?: string;
}

// --- hours ----------------------------------------------------------------------------

const HOUR_MS = 60 * 60 * 1000;
export const hourStartMs = (hour: string): number => Date.parse(`${hour}:00:00.000Z`);
export const hourAt = (ms: number): string => new Date(ms).toISOString().slice(0, 13);
export const addHours = (hour: string, hours: number): string => hourAt(hourStartMs(hour) + hours * HOUR_MS);

/** `from` to `through`, both included, in order. */
export function hoursBetween(from: string, through: string): string[] {
  const hours: string[] = [];
  for (let ms = hourStartMs(from); ms <= hourStartMs(through); ms += HOUR_MS) hours.push(hourAt(ms));
  return hours;
}

/** The newest hour that is complete at `now`, given a grace period for events still in flight. */
export const lastCompleteHour = (now: Date, graceMs: number): string =>
  hourAt(now.getTime() - graceMs - HOUR_MS);

// --- the event list --------------------------------------------------------------------

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The content hash an item is sealed with: its `hash` attribute when well formed (an
 * AuditEvent), else the hash of what its `event` holds, so an item without a good hash is
 * still reported when it changes again. Items that are not AuditEvents (no `event`, no
 * `hash`) are covered by their item hash.
 */
export function contentHash(item: Record<string, unknown>): string {
  const { hash, event } = item;
  if (typeof hash === 'string' && HEX64.test(hash)) return hash;
  return sha256Hex(typeof event === 'string' ? event : canonicalJson(event ?? null));
}

/** The digest line of one stored item of an hour partition. */
export function entryOf(item: Record<string, unknown>): DigestEntry {
  const sk = typeof item.sk === 'string' ? item.sk : '';
  return {
    sk,
    hash: contentHash(item),
    itemHash: sha256Hex(canonicalItem(item)),
    ...(typeof item.orgPk === 'string' ? { org: item.orgPk } : {}),
  };
}

const ENTRY = /^(\S+) ([0-9a-f]{64})$/;
const ENTRY_V2 = /^(\S+) ([0-9a-f]{64}) ([0-9a-f]{64}) (\S+)$/;
/** The org field of a line whose item had no `orgPk`. */
const NO_ORG = '%'; // never produced by encodeURIComponent

export const entryLine = (entry: DigestEntry): string =>
  entry.itemHash === undefined
    ? `${entry.sk} ${entry.hash}`
    : `${entry.sk} ${entry.hash} ${entry.itemHash} ${entry.org === undefined ? NO_ORG : encodeURIComponent(entry.org)}`;

export const eventsSha256 = (entries: readonly DigestEntry[]): string =>
  sha256Hex(entries.map(entryLine).join('\n'));

export function pagesOf(entries: readonly DigestEntry[]): string[] {
  const pages: string[] = [];
  for (let start = 0; start < entries.length; start += PAGE_SIZE) {
    pages.push(
      entries
        .slice(start, start + PAGE_SIZE)
        .map(entryLine)
        .join('\n'),
    );
  }
  return pages;
}

/** A page's lines, or undefined when a line is not `<sk> <sha256 hex>`. */
export function parsePage(text: string): DigestEntry[] | undefined {
  if (text.length === 0) return [];
  const entries: DigestEntry[] = [];
  for (const line of text.split('\n')) {
    const v2 = ENTRY_V2.exec(line);
    if (v2?.[1] && v2[2] && v2[3] && v2[4]) {
      let org: string | undefined;
      try {
        org = v2[4] === NO_ORG ? undefined : decodeURIComponent(v2[4]);
      } catch {
        return undefined;
      }
      entries.push({ sk: v2[1], hash: v2[2], itemHash: v2[3], ...(org === undefined ? {} : { org }) });
      continue;
    }
    const match = ENTRY.exec(line);
    if (!match?.[1] || !match[2]) return undefined;
    entries.push({ sk: match[1], hash: match[2] });
  }
  return entries;
}

// --- the digest -------------------------------------------------------------------------

export interface DigestInput {
  hour: string;
  entries: readonly DigestEntry[];
  sealId: string;
  previous: { hour: string; digestText: string } | undefined;
  signingKeyId: string;
  sealedAt: Date;
}

/** The digest's canonical text: what is signed, stored, and hashed by the next digest. */
export function digestText(input: DigestInput): string {
  const body: DigestBody = {
    version: input.entries.every((entry) => entry.itemHash !== undefined) ? DIGEST_VERSION : 1,
    hour: input.hour,
    count: input.entries.length,
    eventsSha256: eventsSha256(input.entries),
    pages: Math.ceil(input.entries.length / PAGE_SIZE),
    sealId: input.sealId,
    previous: input.previous
      ? { hour: input.previous.hour, digestSha256: sha256Hex(input.previous.digestText) }
      : null,
    signingKeyId: input.signingKeyId,
    signingAlgorithm: SIGNING_ALGORITHM,
    sealedAt: input.sealedAt.toISOString(),
  };
  return canonicalJson(body);
}

export function parseDigest(text: string): DigestBody | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = DigestBody.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}
