import type { KeyObject } from 'node:crypto';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { config } from '../config.ts';
import { dynamo, tableNames } from '../store/client.ts';
import { sha256Hex } from './canonical.ts';
import {
  addHours,
  type DigestBody,
  type DigestEntry,
  digestPagePartition,
  eventsSha256,
  hourAt,
  hoursBetween,
  parseDigest,
  parsePage,
} from './digest.ts';
import { eventPartition } from './keys.ts';
import { hasDigestAfter, readDigest, readDigests } from './seal.ts';
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
 */

export type EventPlace = { hour: string; sk: string };

export type Finding =
  | ({
      kind: 'event-changed';
      id: string;
      org?: string;
      reason: 'hash-mismatch' | 'not-as-sealed';
    } & EventPlace)
  | ({ kind: 'event-deleted'; id: string } & EventPlace)
  | ({ kind: 'event-inserted'; id: string; org?: string } & EventPlace)
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
  /** Hours with no digest and none after them: not sealed yet, not a failure. */
  unsealedHours: string[];
  chainStart?: { hour: string; reason: 'sealed-as-chain-start' | 'predecessor-expired' };
  findings: Finding[];
}

export interface LoadedEvent {
  sk: string;
  hash: string | undefined;
  event: string | undefined;
  org: string | undefined;
}

export interface LoadedDigest {
  text: string;
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
}

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

const selfConsistent = (event: LoadedEvent): boolean =>
  event.event !== undefined && event.hash !== undefined && sha256Hex(event.event) === event.hash;

interface Candidate {
  place: EventPlace;
  hash: string | undefined;
  org: string | undefined;
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
  const digestOf = (hour: string): string | undefined =>
    hour === range.predecessor?.hour
      ? range.predecessor.text
      : range.hours.find((loaded) => loaded.hour === hour)?.digest?.text;

  const deleted = new Map<string, { place: EventPlace; hash: string }>();
  const inserted = new Map<string, Candidate>();
  const unsealedEvents = new Map<string, Candidate>();
  let eventCount = 0;

  for (const { hour, digest, events } of range.hours) {
    eventCount += events.length;
    const candidates = events.map((event) => ({
      event,
      id: identityOf(event),
      candidate: {
        place: { hour, sk: event.sk },
        hash: event.hash,
        org: event.org,
        selfOk: selfConsistent(event),
      },
    }));
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
    if (!digest) {
      if (sealedLater(hour)) findings.push({ kind: 'digest-missing', hour });
      else unsealedHours.push(hour);
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
      if (candidate.selfOk && candidate.hash !== entry.hash) {
        findings.push({
          kind: 'event-changed',
          id,
          ...orgOf(candidate),
          reason: 'not-as-sealed',
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
    for (const [id, entry] of sealed) deleted.set(id, { place: { hour, sk: entry.sk }, hash: entry.hash });
  }

  for (const [id, gone] of deleted) {
    const found = inserted.get(id) ?? unsealedEvents.get(id);
    if (!found) {
      findings.push({ kind: 'event-deleted', id, ...gone.place });
      continue;
    }
    inserted.delete(id);
    moved(id, gone.place, gone.hash, found);
  }
  for (const [id, candidate] of inserted) {
    findings.push({ kind: 'event-inserted', id, ...orgOf(candidate), ...candidate.place });
  }

  return {
    from: first ?? '',
    through: last ?? '',
    valid: findings.length === 0,
    hours: range.hours.length,
    events: eventCount,
    sealedHours: digestHours.length,
    unsealedHours,
    ...(chainStart ? { chainStart } : {}),
    findings,
  };

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
});
const DigestItem = z.object({ digest: z.string(), signature: z.string() });
const PageItem = z.object({ entries: z.string() });

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

async function queryAll(pk: string, projection?: string): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableNames().audit,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ConsistentRead: true,
        ...(projection ? { ProjectionExpression: projection } : {}),
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

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
  const events = (await queryAll(eventPartition(hour))).flatMap((raw) => {
    const parsed = EventItem.safeParse(raw);
    if (!parsed.success) return [];
    const { sk, hash, event, orgPk } = parsed.data;
    return [{ sk, hash: text(hash), event: text(event), org: text(orgPk) }];
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
      signatureValid: verifyDigestSignature(publicKey, digest, signature),
      entries: await loadEntries(hour, parseDigest(digest)),
    },
    events,
  };
}

/** Verifies the hours of `from` to `through` (UTC hours such as `2026-11-25T08`, both included). */
export async function verifyHours(
  from: string,
  through: string,
  options: { publicKey?: KeyObject; now?: Date } = {},
): Promise<VerificationReport> {
  const publicKey = options.publicKey ?? (await digestPublicKey());
  const now = options.now ?? new Date();
  const digests = await readDigests(from, through);
  const hours: LoadedHour[] = [];
  for (const hour of hoursBetween(from, through))
    hours.push(await loadHour(hour, digests.get(hour), publicKey));
  const predecessor = await readDigest(addHours(from, -1));
  return assess({
    hours,
    predecessor: predecessor ? { hour: predecessor.hour, text: predecessor.text } : undefined,
    digestAfterRange: await hasDigestAfter(through),
    retentionHorizon: hourAt(now.getTime() - config().AUDIT_RETENTION_DAYS * 24 * 60 * 60 * 1000),
  });
}

// --- reporting ---------------------------------------------------------------------------

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
    case 'digest-missing':
      return {
        text: `the digest of ${finding.hour} is missing although later hours are sealed`,
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
