import type { KeyObject } from 'node:crypto';
import { paginateQuery, paginateScan } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { config } from '../config.ts';
import { canonicalItem, sha256Hex } from '../crypto/canonical.ts';
import {
  addHours,
  DIGEST_PARTITION,
  type DigestBody,
  type DigestEntry,
  digestPagePartition,
  eventsSha256,
  hourAt,
  hourStartMs,
  hoursBetween,
  lastCompleteHour,
  parseDigest,
  parsePage,
} from './digest.ts';
import { eventPartition } from './keys.ts';
import { hasDigestAfter, readDigest, readDigests, SEAL_GRACE_MS } from './seal.ts';
import { digestPublicKey, verifyDigestSignature } from './signer.ts';

/**
 * Verification of the access log against its digest chain: recomputes every hash and
 * link of a range of hours and names what does not match.
 *
 * Chain start rule: a digest whose `previous` is null starts a chain (the first seal, a
 * seal after an outage longer than the lookback, or an isolated range). At the first hour
 * of a verified range that is reported as `chainStart` and is not a failure; inside the
 * range, a chain restart although the previous hour has a digest is a `link-broken`.
 * When the first hour links to a predecessor outside the range, that predecessor is read
 * and its hash compared; if it is gone, that is `predecessor-missing` (a failure), unless
 * the predecessor's hour is past the retention period, where expiry removed it.
 *
 * Events moved out of the range look deleted, events moved in from outside look inserted.
 *
 * Beyond the hour partitions: each item is sealed as a whole (index attributes and TTL
 * included), so a changed index attribute is an `event-index-changed`; the indexes are read
 * over the range so that an item the compliance queries or a patient's report show from
 * outside the hour partitions is an `event-outside-partition`; a missing digest is a failure
 * once its hour is due (complete, plus one seal interval), also at the tail; and with an
 * archive (the stream consumer's write-once copy) each item and digest is compared with
 * what was archived when it was written, which covers the hours not sealed yet.
 *
 * Scope: the chain is global, the answer need not be. With `scope` (an organization) the
 * counts and event findings are that organization's only; findings about the chain itself
 * (digests, signatures, links) are everyone's, as they name no event.
 */

export type EventPlace = { hour: string; sk: string };

export type Finding =
  | ({
      kind: 'event-changed';
      id: string;
      org?: string;
      reason: 'hash-mismatch' | 'not-as-sealed';
    } & EventPlace)
  | ({ kind: 'event-deleted'; id: string; org?: string } & EventPlace)
  | ({ kind: 'event-inserted'; id: string; org?: string } & EventPlace)
  /** The item's own content is as sealed, but another attribute (index, TTL) is not. */
  | ({ kind: 'event-index-changed'; id: string; org?: string; currentOrg?: string } & EventPlace)
  /** Found through an index over the range, stored outside the hour partitions the chain seals. */
  | { kind: 'event-outside-partition'; id: string; org?: string; pk: string; sk: string }
  /** Compared with the archive: changed since it was archived, gone from the table, or never archived. */
  | ({
      kind: 'event-not-as-archived';
      id: string;
      org?: string;
      reason: 'changed' | 'gone' | 'not-archived';
    } & EventPlace)
  | { kind: 'digest-not-as-archived'; hour: string; reason: 'changed' | 'gone' | 'not-archived' }
  | { kind: 'event-moved'; id: string; org?: string; from: EventPlace; to: EventPlace }
  | { kind: 'digest-missing'; hour: string }
  | { kind: 'digest-broken'; hour: string; reason: string }
  | { kind: 'signature-invalid'; hour: string }
  | { kind: 'link-broken'; hour: string; reason: string }
  | { kind: 'predecessor-missing'; hour: string; predecessor: string };

export interface VerificationReport {
  from: string;
  through: string;
  valid: boolean;
  hours: number;
  events: number;
  sealedHours: number;
  /** Events in hours that have a digest. */
  sealedEvents: number;
  /** The newest hour of the range with a digest. */
  sealedThrough?: string;
  /** Hours with no digest that are not due yet (and none sealed after them): not a failure. */
  unsealedHours: string[];
  /** Events in those hours. */
  unsealedEvents: number;
  /** Whether the range was compared with the archive. */
  archiveCompared: boolean;
  chainStart?: { hour: string; reason: 'sealed-as-chain-start' | 'predecessor-expired' };
  findings: Finding[];
}

export interface LoadedEvent {
  sk: string;
  hash: string | undefined;
  event: string | undefined;
  org: string | undefined;
  /** SHA-256 of the whole item's canonical form. */
  itemHash?: string;
  /** Its `patientPk`, if any. */
  patient?: string;
}

export interface LoadedDigest {
  text: string;
  /** SHA-256 of the whole digest item's canonical form (for the archive comparison). */
  itemHash?: string;
  signatureValid: boolean;
  /** The event list from its pages; undefined when pages are missing or unreadable. */
  entries: DigestEntry[] | undefined;
}

export interface LoadedHour {
  hour: string;
  digest: LoadedDigest | undefined;
  events: LoadedEvent[];
}

export interface LoadedRange {
  hours: LoadedHour[];
  /** The digest of the hour before the range, if one exists. */
  predecessor: { hour: string; text: string } | undefined;
  /** Whether any digest is newer than the range's last hour. */
  digestAfterRange: boolean;
  /** Hours before this one are past retention. */
  retentionHorizon: string;
  /** The newest hour whose digest must exist by now; later hours may still be pending. */
  dueThrough?: string;
  /** Items found through the indexes over the range that are not in its hour partitions. */
  outside?: { pk: string; sk: string; event: string | undefined; org: string | undefined }[];
  /** The archive's items of the range: `archiveKey(pk, sk)` to the SHA-256 of the archived text. */
  archive?: ReadonlyMap<string, string>;
  /** Only this organization's events are counted and named. */
  scope?: string;
}

/** How archived items are named in `LoadedRange.archive`. */
export const archiveKey = (pk: string, sk: string): string => `${pk}\n${sk}`;

const skId = (sk: string): string => sk.slice(sk.indexOf('#') + 1);
const hourOfSk = (sk: string): string => sk.slice(0, 13);

const EventId = z.object({ id: z.string() });

/** Who an event is: the id inside it (so swapped contents are seen), else the id of its sort key. */
function identityOf(event: LoadedEvent): string {
  if (event.event !== undefined) {
    try {
      const parsed = EventId.safeParse(JSON.parse(event.event));
      if (parsed.success) return parsed.data.id;
    } catch {
      // unreadable content: fall back to the key
    }
  }
  return skId(event.sk);
}

/** Items that are neither hash nor event (other kinds of items of an hour) have only their item hash. */
const selfConsistent = (event: LoadedEvent): boolean =>
  event.event === undefined && event.hash === undefined
    ? true
    : event.event !== undefined && event.hash !== undefined && sha256Hex(event.event) === event.hash;

const HEX64 = /^[0-9a-f]{64}$/;
/** The content hash the seal took (digest.ts contentHash) for a loaded item. */
const contentOf = (event: LoadedEvent): string =>
  event.hash !== undefined && HEX64.test(event.hash) ? event.hash : sha256Hex(event.event ?? 'null');

interface Candidate {
  place: EventPlace;
  hash: string;
  org: string | undefined;
  itemHash: string | undefined;
  selfOk: boolean;
}

/** The pure half of verification: loaded items in, findings out. */
export function assess(range: LoadedRange): VerificationReport {
  const findings: Finding[] = [];
  const unsealedHours: string[] = [];
  let chainStart: VerificationReport['chainStart'];
  const first = range.hours[0]?.hour;
  const last = range.hours[range.hours.length - 1]?.hour;
  const digestHours = range.hours.filter((hour) => hour.digest).map((hour) => hour.hour);
  const sealedLater = (hour: string) => range.digestAfterRange || digestHours.some((other) => other > hour);
  const due = (hour: string) => range.dueThrough !== undefined && hour <= range.dueThrough;
  const digestOf = (hour: string): string | undefined =>
    hour === range.predecessor?.hour
      ? range.predecessor.text
      : range.hours.find((loaded) => loaded.hour === hour)?.digest?.text;
  const { scope } = range;
  const inScope = (...orgs: (string | undefined)[]) => scope === undefined || orgs.includes(scope);

  const deleted = new Map<string, { place: EventPlace; hash: string; org: string | undefined }>();
  const inserted = new Map<string, Candidate>();
  const unsealedEvents = new Map<string, Candidate>();
  let eventCount = 0;
  let sealedEvents = 0;
  let pendingEvents = 0;

  for (const { hour, digest, events } of range.hours) {
    const candidates = events.map((event) => ({
      event,
      id: identityOf(event),
      candidate: {
        place: { hour, sk: event.sk },
        hash: contentOf(event),
        org: event.org,
        itemHash: event.itemHash,
        selfOk: selfConsistent(event),
      },
    }));
    const counted = candidates.filter(({ candidate }) => inScope(candidate.org)).length;
    eventCount += counted;
    for (const { id, candidate } of candidates) {
      if (!candidate.selfOk) {
        findings.push({
          kind: 'event-changed',
          id,
          ...orgOf(candidate),
          reason: 'hash-mismatch',
          ...candidate.place,
        });
      }
    }

    const entries = digest ? checkDigest(hour, digest) : undefined;
    if (digest) sealedEvents += counted;
    if (!digest) {
      if (sealedLater(hour) || (due(hour) && hour >= range.retentionHorizon)) {
        findings.push({ kind: 'digest-missing', hour });
      } else {
        unsealedHours.push(hour);
        pendingEvents += counted;
      }
    }
    if (!entries) {
      for (const { id, candidate } of candidates) unsealedEvents.set(id, candidate);
      continue;
    }

    const sealed = new Map(entries.map((entry) => [skId(entry.sk), entry]));
    // Exact places first, so a copy of an event elsewhere is the insert, not the original.
    const unmatched = candidates.filter(({ id, candidate }) => {
      const entry = sealed.get(id);
      if (!entry || entry.sk !== candidate.place.sk) return true;
      sealed.delete(id);
      const org = entry.org ?? candidate.org;
      if (candidate.selfOk && candidate.hash !== entry.hash) {
        findings.push({
          kind: 'event-changed',
          id,
          ...(org ? { org } : {}),
          reason: 'not-as-sealed',
          ...candidate.place,
        });
      } else if (
        candidate.selfOk &&
        entry.itemHash !== undefined &&
        candidate.itemHash !== undefined &&
        entry.itemHash !== candidate.itemHash
      ) {
        findings.push({
          kind: 'event-index-changed',
          id,
          ...(org ? { org } : {}),
          ...(candidate.org !== org && candidate.org ? { currentOrg: candidate.org } : {}),
          ...candidate.place,
        });
      }
      return false;
    });
    for (const { id, candidate } of unmatched) {
      const entry = sealed.get(id);
      if (!entry) {
        inserted.set(id, candidate);
        continue;
      }
      sealed.delete(id);
      moved(id, { hour: hourOfSk(entry.sk), sk: entry.sk }, entry.hash, candidate);
    }
    for (const [id, entry] of sealed) {
      deleted.set(id, { place: { hour, sk: entry.sk }, hash: entry.hash, org: entry.org });
    }
  }

  for (const [id, gone] of deleted) {
    const found = inserted.get(id) ?? unsealedEvents.get(id);
    if (!found) {
      findings.push({ kind: 'event-deleted', id, ...(gone.org ? { org: gone.org } : {}), ...gone.place });
      continue;
    }
    inserted.delete(id);
    moved(id, gone.place, gone.hash, found);
  }
  for (const [id, candidate] of inserted) {
    findings.push({ kind: 'event-inserted', id, ...orgOf(candidate), ...candidate.place });
  }
  for (const item of range.outside ?? []) {
    const id = identityOf({ sk: item.sk, hash: undefined, event: item.event, org: item.org });
    findings.push({
      kind: 'event-outside-partition',
      id,
      ...(item.org ? { org: item.org } : {}),
      pk: item.pk,
      sk: item.sk,
    });
  }
  if (range.archive) compareWithArchive(range.archive);

  const scoped = findings.filter((finding) => {
    if (!('id' in finding)) return true;
    return (
      finding.org === undefined ||
      inScope(finding.org, 'currentOrg' in finding ? finding.currentOrg : undefined)
    );
  });
  const sealedThrough = digestHours[digestHours.length - 1];
  return {
    from: first ?? '',
    through: last ?? '',
    valid: scoped.length === 0,
    hours: range.hours.length,
    events: eventCount,
    sealedHours: digestHours.length,
    sealedEvents,
    ...(sealedThrough ? { sealedThrough } : {}),
    unsealedHours,
    unsealedEvents: pendingEvents,
    archiveCompared: range.archive !== undefined,
    ...(chainStart ? { chainStart } : {}),
    findings: scoped,
  };

  /** Every item and digest of the range against its write-once copy. */
  function compareWithArchive(archive: ReadonlyMap<string, string>): void {
    const seen = new Set<string>();
    for (const { hour, digest, events } of range.hours) {
      const partition = `AE#${hour}`;
      for (const event of events) {
        const key = archiveKey(partition, event.sk);
        seen.add(key);
        const archived = archive.get(key);
        if (archived === event.itemHash) continue;
        findings.push({
          kind: 'event-not-as-archived',
          id: identityOf(event),
          ...(event.org ? { org: event.org } : {}),
          reason: archived === undefined ? 'not-archived' : 'changed',
          hour,
          sk: event.sk,
        });
      }
      const digestKey = archiveKey('DIGEST', hour);
      seen.add(digestKey);
      const archivedDigest = archive.get(digestKey);
      if (digest && archivedDigest !== digest.itemHash) {
        findings.push({
          kind: 'digest-not-as-archived',
          hour,
          reason: archivedDigest === undefined ? 'not-archived' : 'changed',
        });
      } else if (!digest && archivedDigest !== undefined) {
        findings.push({ kind: 'digest-not-as-archived', hour, reason: 'gone' });
      }
    }
    for (const key of archive.keys()) {
      if (seen.has(key)) continue;
      const [pk = '', sk = ''] = key.split('\n');
      if (!pk.startsWith('AE#')) continue;
      findings.push({
        kind: 'event-not-as-archived',
        id: skId(sk),
        reason: 'gone',
        hour: pk.slice(3),
        sk,
      });
    }
  }

  function moved(id: string, from: EventPlace, sealedHash: string, found: Candidate): void {
    findings.push({ kind: 'event-moved', id, ...orgOf(found), from, to: found.place });
    if (found.selfOk && found.hash !== sealedHash) {
      findings.push({ kind: 'event-changed', id, ...orgOf(found), reason: 'not-as-sealed', ...found.place });
    }
  }

  /** Checks one digest; returns its event list when that list can be trusted for comparison. */
  function checkDigest(hour: string, digest: LoadedDigest): DigestEntry[] | undefined {
    const body = parseDigest(digest.text);
    if (!body) {
      findings.push({ kind: 'digest-broken', hour, reason: 'the digest is not readable' });
      return undefined;
    }
    if (!digest.signatureValid) findings.push({ kind: 'signature-invalid', hour });
    if (body.hour !== hour) {
      findings.push({ kind: 'digest-broken', hour, reason: `the digest seals ${body.hour}, not ${hour}` });
    }
    checkLink(hour, body);
    const { entries } = digest;
    if (!entries) {
      findings.push({
        kind: 'digest-broken',
        hour,
        reason: 'the digest’s event list is missing or unreadable',
      });
      return undefined;
    }
    if (entries.length !== body.count || eventsSha256(entries) !== body.eventsSha256) {
      findings.push({
        kind: 'digest-broken',
        hour,
        reason: 'the event list does not match the signed digest',
      });
      return undefined;
    }
    return entries;
  }

  function checkLink(hour: string, body: DigestBody): void {
    const previousHour = addHours(hour, -1);
    const previousText = digestOf(previousHour);
    if (body.previous === null) {
      if (hour === first) chainStart = { hour, reason: 'sealed-as-chain-start' };
      else if (previousText !== undefined) {
        findings.push({
          kind: 'link-broken',
          hour,
          reason: `starts a new chain although ${previousHour} is sealed`,
        });
      }
      return;
    }
    if (body.previous.hour !== previousHour) {
      findings.push({
        kind: 'link-broken',
        hour,
        reason: `links to ${body.previous.hour}, not ${previousHour}`,
      });
      return;
    }
    if (previousText === undefined) {
      if (hour !== first) return; // the missing digest of the previous hour is already named
      if (previousHour < range.retentionHorizon) chainStart = { hour, reason: 'predecessor-expired' };
      else findings.push({ kind: 'predecessor-missing', hour, predecessor: previousHour });
      return;
    }
    if (sha256Hex(previousText) !== body.previous.digestSha256) {
      findings.push({
        kind: 'link-broken',
        hour,
        reason: `the digest of ${previousHour} is not the one it was linked to`,
      });
    }
  }
}

const orgOf = (candidate: Candidate): { org?: string } => (candidate.org ? { org: candidate.org } : {});

// --- loading ----------------------------------------------------------------------------

const EventItem = z.object({
  sk: z.string(),
  hash: z.optional(z.unknown()),
  event: z.optional(z.unknown()),
  orgPk: z.optional(z.unknown()),
  patientPk: z.optional(z.unknown()),
});
const DigestItem = z.object({ digest: z.string(), signature: z.string() });
const PageItem = z.object({ entries: z.string() });

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Every item of a Query or Scan, page after page. */
async function allItems(
  pages: AsyncIterable<{ Items?: Record<string, unknown>[] | undefined }>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for await (const page of pages) items.push(...(page.Items ?? []));
  return items;
}

const queryAll = (pk: string, projection?: string): Promise<Record<string, unknown>[]> =>
  allItems(
    paginateQuery(
      { client: dynamo() },
      {
        TableName: tableNames().audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
      },
    ),
  );

async function loadEntries(hour: string, body: DigestBody | undefined): Promise<DigestEntry[] | undefined> {
  if (!body) return undefined;
  const pages = await queryAll(digestPagePartition(hour, body.sealId));
  if (pages.length !== body.pages) return undefined;
  const entries: DigestEntry[] = [];
  for (const page of pages) {
    const parsed = PageItem.safeParse(page);
    const lines = parsed.success ? parsePage(parsed.data.entries) : undefined;
    if (!lines) return undefined;
    entries.push(...lines);
  }
  return entries;
}

async function loadHour(hour: string, item: unknown, publicKey: KeyObject): Promise<LoadedHour> {
  const events = (await queryAll(eventPartition(hour))).flatMap((raw): LoadedEvent[] => {
    const parsed = EventItem.safeParse(raw);
    if (!parsed.success) return [];
    const { sk, hash, event, orgPk, patientPk } = parsed.data;
    const patient = text(patientPk);
    return [
      {
        sk,
        hash: text(hash),
        event: text(event),
        org: text(orgPk),
        itemHash: sha256Hex(canonicalItem(raw)),
        ...(patient ? { patient } : {}),
      },
    ];
  });
  if (item === undefined) return { hour, digest: undefined, events };
  const parsed = DigestItem.safeParse(item);
  if (!parsed.success) {
    return { hour, digest: { text: '', signatureValid: false, entries: undefined }, events };
  }
  const { digest, signature } = parsed.data;
  return {
    hour,
    digest: {
      text: digest,
      itemHash: isRecord(item) ? sha256Hex(canonicalItem(item)) : '',
      signatureValid: verifyDigestSignature(publicKey, digest, signature),
      entries: await loadEntries(hour, parseDigest(digest)),
    },
    events,
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const IndexedItem = z.object({
  pk: z.string(),
  sk: z.string(),
  event: z.optional(z.unknown()),
  orgPk: z.optional(z.unknown()),
  patientPk: z.optional(z.unknown()),
});

/** Index items over the range as the compliance queries and reports see them (recordedSk in range). */
const inRange = (from: string, through: string) => ({
  ':from': from,
  ':next': addHours(through, 1),
});

/**
 * What the indexes show over the range. Whole chain: one filtered Scan of the table (every
 * index is sorted by `recordedSk`, so an item any index shows in the range has it in range).
 * One organization: its org index, and the patient index of each of its patients in the range.
 */
async function indexedItems(
  from: string,
  through: string,
  scope: string | undefined,
  patients: readonly string[],
): Promise<Record<string, unknown>[]> {
  const { audit } = tableNames();
  const range = inRange(from, through);
  if (scope === undefined) {
    // The operator's whole-log check only (`npm run audit:verify`): no route role may Scan.
    return allItems(
      paginateScan(
        { client: dynamo() },
        {
          TableName: audit,
          FilterExpression: 'recordedSk >= :from AND recordedSk < :next',
          ExpressionAttributeValues: range,
          ConsistentRead: true,
        },
      ),
    );
  }
  const byIndex = (index: 'byOrg' | 'byPatient', attribute: string, value: string) =>
    allItems(
      paginateQuery(
        { client: dynamo() },
        {
          TableName: audit,
          IndexName: index,
          KeyConditionExpression: '#key = :key AND recordedSk BETWEEN :from AND :next',
          ExpressionAttributeNames: { '#key': attribute },
          ExpressionAttributeValues: { ...range, ':key': value },
        },
      ),
    );
  const found = await byIndex('byOrg', 'orgPk', scope);
  for (const patient of patients) found.push(...(await byIndex('byPatient', 'patientPk', patient)));
  return found;
}

/** Where the stream consumer's copy of the range can be read (the local archive; see archive.ts). */
export interface ArchiveSource {
  /** Archived items of one partition: sort key to the archived canonical text. */
  partition(pk: string): Promise<Map<string, string>>;
}

async function loadArchive(source: ArchiveSource, hours: readonly string[]): Promise<Map<string, string>> {
  const archived = new Map<string, string>();
  const digests = await source.partition(DIGEST_PARTITION);
  for (const hour of hours) {
    const pk = eventPartition(hour);
    for (const [sk, text] of await source.partition(pk)) archived.set(archiveKey(pk, sk), sha256Hex(text));
    const digest = digests.get(hour);
    if (digest !== undefined) archived.set(archiveKey(DIGEST_PARTITION, hour), sha256Hex(digest));
  }
  return archived;
}

export interface VerifyOptions {
  publicKey?: KeyObject;
  now?: Date;
  /** Answer for this organization only (the `$verify` route); the whole chain without it. */
  scope?: string;
  /** Also compare the table with the stream consumer's archive (`audit:verify --archive`). */
  archive?: ArchiveSource;
}

/** The newest hour whose digest must exist at `now`: complete, plus the grace and one seal interval. */
export const dueThrough = (now: Date): string =>
  lastCompleteHour(now, SEAL_GRACE_MS + config().SEAL_INTERVAL_MINUTES * 60_000);

/** When the first hour after `hour` is sealed at the latest: its end, the grace, one interval. */
export const sealedBy = (hour: string): Date =>
  new Date(hourStartMs(hour) + 60 * 60_000 + SEAL_GRACE_MS + config().SEAL_INTERVAL_MINUTES * 60_000);

/** Verifies the hours of `from` to `through` (UTC hours such as `2026-11-25T08`, both included). */
export async function verifyHours(
  from: string,
  through: string,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const publicKey = options.publicKey ?? (await digestPublicKey());
  const now = options.now ?? new Date();
  const digests = await readDigests(from, through);
  const hours: LoadedHour[] = [];
  const partitions = new Set<string>();
  for (const hour of hoursBetween(from, through)) {
    hours.push(await loadHour(hour, digests.get(hour), publicKey));
    partitions.add(eventPartition(hour));
  }
  const patients = new Set<string>();
  for (const hour of hours) {
    for (const event of hour.events) {
      if (event.org === options.scope && event.patient) patients.add(event.patient);
    }
  }
  const outside = (await indexedItems(from, through, options.scope, [...patients])).flatMap((raw) => {
    const parsed = IndexedItem.safeParse(raw);
    if (!parsed.success || partitions.has(parsed.data.pk)) return [];
    const { pk, sk, event, orgPk } = parsed.data;
    return [{ pk, sk, event: text(event), org: text(orgPk) }];
  });
  const unique = new Map(outside.map((item) => [archiveKey(item.pk, item.sk), item]));
  const predecessor = await readDigest(addHours(from, -1));
  return assess({
    hours,
    predecessor: predecessor ? { hour: predecessor.hour, text: predecessor.text } : undefined,
    digestAfterRange: await hasDigestAfter(through),
    retentionHorizon: hourAt(now.getTime() - config().AUDIT_RETENTION_DAYS * 24 * 60 * 60 * 1000),
    dueThrough: dueThrough(now),
    outside: [...unique.values()],
    ...(options.archive ? { archive: await loadArchive(options.archive, hoursBetween(from, through)) } : {}),
    ...(options.scope !== undefined ? { scope: options.scope } : {}),
  });
}

// --- reporting ---------------------------------------------------------------------------

const minute = (date: Date): string => `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * The report in one line that says plainly what is sealed and what is not: "verified" is
 * said only of sealed events.
 */
export function summarize(report: VerificationReport): string {
  const span = `${report.hours} hours, ${report.from} to ${report.through}`;
  const head = !report.valid
    ? `NOT verified: ${report.findings.length} findings (${span}); ${report.sealedEvents} events in sealed hours`
    : report.sealedHours > 0
      ? `verified: ${report.sealedEvents} events sealed and verified up to ${report.sealedThrough} (${span})`
      : `nothing sealed yet (${span})`;
  const firstPending = report.unsealedHours[0];
  const pending = firstPending
    ? `; ${report.unsealedEvents} events${report.sealedHours > 0 ? ' after that' : ''} are not sealed yet (the next seal covers ${firstPending} by ${minute(sealedBy(firstPending))})`
    : '';
  const chain = report.chainStart
    ? `; the chain starts at ${report.chainStart.hour} (${report.chainStart.reason})`
    : '';
  return `${head}${pending}${chain}${report.archiveCompared ? '; compared with the archive' : ''}`;
}

/** One line a finding, naming the event or digest: for the CLI and the `$verify` OperationOutcome. */
export function describeFinding(finding: Finding): { text: string; expression: string } {
  switch (finding.kind) {
    case 'event-changed':
      return {
        text:
          finding.reason === 'hash-mismatch'
            ? `AuditEvent/${finding.id} (${finding.sk}) was changed: its content does not match its hash`
            : `AuditEvent/${finding.id} (${finding.sk}) was changed: its hash is not the sealed one`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-deleted':
      return {
        text: `AuditEvent/${finding.id} (${finding.sk}) was sealed in ${finding.hour} and is gone`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-inserted':
      return {
        text: `AuditEvent/${finding.id} (${finding.sk}) is not in the digest of ${finding.hour}`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-moved':
      return {
        text: `AuditEvent/${finding.id} was sealed at ${finding.from.sk} and is now at ${finding.to.sk}`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-index-changed':
      return {
        text: `AuditEvent/${finding.id} (${finding.sk}) was changed: its index attributes or expiry are not the sealed ones`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-outside-partition':
      return {
        text: `AuditEvent/${finding.id} (${finding.pk} ${finding.sk}) is shown by the indexes but stored outside the sealed hour partitions`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'event-not-as-archived':
      return {
        text:
          finding.reason === 'changed'
            ? `AuditEvent/${finding.id} (${finding.sk}) is not the one archived when it was written`
            : finding.reason === 'gone'
              ? `AuditEvent/${finding.id} (${finding.sk}) was archived and is gone from the table`
              : `AuditEvent/${finding.id} (${finding.sk}) is not in the archive`,
        expression: `AuditEvent/${finding.id}`,
      };
    case 'digest-not-as-archived':
      return {
        text:
          finding.reason === 'changed'
            ? `the digest of ${finding.hour} is not the one archived when it was sealed`
            : finding.reason === 'gone'
              ? `the digest of ${finding.hour} was archived and is gone from the table`
              : `the digest of ${finding.hour} is not in the archive`,
        expression: `digest/${finding.hour}`,
      };
    case 'digest-missing':
      return {
        text: `the digest of ${finding.hour} is missing: the hour is past its seal time, or later hours are sealed`,
        expression: `digest/${finding.hour}`,
      };
    case 'digest-broken':
      return {
        text: `the digest of ${finding.hour} is broken: ${finding.reason}`,
        expression: `digest/${finding.hour}`,
      };
    case 'signature-invalid':
      return {
        text: `the signature of the digest of ${finding.hour} is not valid`,
        expression: `digest/${finding.hour}`,
      };
    case 'link-broken':
      return {
        text: `the digest of ${finding.hour} does not link to its predecessor: ${finding.reason}`,
        expression: `digest/${finding.hour}`,
      };
    case 'predecessor-missing':
      return {
        text: `the digest of ${finding.hour} links to ${finding.predecessor}, whose digest is missing`,
        expression: `digest/${finding.predecessor}`,
      };
  }
}
