import { describe, expect, it } from 'vitest';
import { addHours, digestText } from '../../../shared/audit/digest.ts';
import { uuidv7 } from '../../../shared/audit/ids.ts';
import {
  assess,
  describeFinding,
  type LoadedEvent,
  type LoadedHour,
  type LoadedRange,
} from '../../../shared/audit/verify.ts';
import { canonicalJson, sha256Hex } from '../../../shared/crypto/canonical.ts';

const HOURS = ['2001-05-06T07', '2001-05-06T08', '2001-05-06T09'];

function event(hour: string, minute: number): LoadedEvent & { id: string } {
  const recorded = new Date(`${hour}:${String(minute).padStart(2, '0')}:00.000Z`);
  const id = uuidv7(recorded);
  const text = canonicalJson({
    resourceType: 'AuditEvent',
    id,
    recorded: recorded.toISOString(),
    outcome: '0',
  });
  return { id, sk: `${recorded.toISOString()}#${id}`, hash: sha256Hex(text), event: text, org: 'org-a' };
}

/** Three sealed hours of two events each, chained, the first a chain start. */
function sealedRange(): LoadedRange & { hours: LoadedHour[] } {
  const hours: LoadedHour[] = [];
  let previous: { hour: string; digestText: string } | undefined;
  for (const hour of HOURS) {
    const events = [event(hour, 10), event(hour, 40)];
    const entries = events.map(({ sk, hash }) => ({ sk, hash: hash ?? '' }));
    const text = digestText({
      hour,
      entries,
      sealId: '0f6c2b1e-4f0a-4c55-9a3e-0f1d2c3b4a59',
      previous,
      signingKeyId: 'local:test',
      sealedAt: new Date(),
    });
    hours.push({ hour, digest: { text, signatureValid: true, entries }, events });
    previous = { hour, digestText: text };
  }
  return { hours, predecessor: undefined, digestAfterRange: false, retentionHorizon: '1990-01-01T00' };
}

const kinds = (range: LoadedRange) => assess(range).findings.map((finding) => finding.kind);
const at = (range: LoadedRange, index: number): LoadedHour => {
  const hour = range.hours[index];
  if (!hour) throw new Error('no such hour');
  return hour;
};
const eventAt = (hour: LoadedHour, index: number): LoadedEvent => {
  const found = hour.events[index];
  if (!found) throw new Error('no such event');
  return found;
};

describe('verification of the digest chain', () => {
  it('an untouched range verifies, its first digest reported as a chain start', () => {
    const report = assess(sealedRange());
    expect(report).toMatchObject({ valid: true, hours: 3, events: 6, sealedHours: 3, findings: [] });
    expect(report.chainStart).toEqual({ hour: HOURS[0], reason: 'sealed-as-chain-start' });
  });

  it('an event whose content no longer matches its hash is named as changed', () => {
    const range = sealedRange();
    const target = eventAt(at(range, 1), 0);
    target.event = (target.event ?? '').replace('"outcome":"0"', '"outcome":"4"');
    const report = assess(range);
    expect(report.findings).toEqual([
      expect.objectContaining({ kind: 'event-changed', reason: 'hash-mismatch', sk: target.sk }),
    ]);
  });

  it('an event rewritten with a fresh hash is named as not as sealed', () => {
    const range = sealedRange();
    const target = eventAt(at(range, 1), 1);
    target.event = (target.event ?? '').replace('"outcome":"0"', '"outcome":"8"');
    target.hash = sha256Hex(target.event);
    expect(assess(range).findings).toEqual([
      expect.objectContaining({ kind: 'event-changed', reason: 'not-as-sealed', sk: target.sk }),
    ]);
  });

  it('a deleted event, an inserted one and a moved one are each named', () => {
    const range = sealedRange();
    const [gone] = at(range, 0).events.splice(0, 1);
    const added = event(HOURS[2] ?? '', 50);
    at(range, 2).events.push(added);
    const [moving] = at(range, 1).events.splice(1, 1);
    if (!gone || !moving) throw new Error('setup');
    const movedTo = { ...moving, sk: `${HOURS[2]}:59:00.000Z#${moving.sk.split('#')[1]}` };
    at(range, 2).events.push(movedTo);
    const report = assess(range);
    expect(report.findings).toHaveLength(3);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event-deleted', sk: gone.sk, hour: HOURS[0] }),
        expect.objectContaining({ kind: 'event-inserted', sk: added.sk, hour: HOURS[2] }),
        expect.objectContaining({
          kind: 'event-moved',
          from: { hour: HOURS[1], sk: moving.sk },
          to: { hour: HOURS[2], sk: movedTo.sk },
        }),
      ]),
    );
  });

  it('two events that swapped places within an hour are both named as moved', () => {
    const range = sealedRange();
    const hour = at(range, 0);
    const [first, second] = [eventAt(hour, 0), eventAt(hour, 1)];
    hour.events = [
      { ...second, sk: first.sk },
      { ...first, sk: second.sk },
    ];
    const found = assess(range).findings;
    expect(found.map((finding) => finding.kind)).toEqual(['event-moved', 'event-moved']);
  });

  it('a copy of an event under another key is the insertion, the original stays in place', () => {
    const range = sealedRange();
    const original = eventAt(at(range, 0), 0);
    at(range, 0).events.push({ ...original, sk: `${HOURS[0]}:59:59.999Z#${original.sk.split('#')[1]}` });
    expect(kinds(range)).toEqual(['event-inserted']);
  });

  it('a dropped digest inside the range is named, and its events are not reported as inserted', () => {
    const range = sealedRange();
    at(range, 1).digest = undefined;
    expect(assess(range).findings).toEqual([{ kind: 'digest-missing', hour: HOURS[1] }]);
  });

  it('hours without a digest and none after them are pending, not failures', () => {
    const range = sealedRange();
    at(range, 2).digest = undefined;
    const report = assess(range);
    expect(report.valid).toBe(true);
    expect(report.unsealedHours).toEqual([HOURS[2]]);
    range.digestAfterRange = true;
    expect(kinds(range)).toEqual(['digest-missing']);
  });

  it('a bad signature is named for its hour', () => {
    const range = sealedRange();
    const digest = at(range, 2).digest;
    if (!digest) throw new Error('setup');
    digest.signatureValid = false;
    expect(assess(range).findings).toEqual([{ kind: 'signature-invalid', hour: HOURS[2] }]);
  });

  it('a changed digest breaks its signature and the link of the next hour', () => {
    const range = sealedRange();
    const digest = at(range, 0).digest;
    if (!digest) throw new Error('setup');
    digest.text = digest.text.replace('"signingKeyId":"local:test"', '"signingKeyId":"local:other"');
    digest.signatureValid = false;
    expect(kinds(range)).toEqual(['signature-invalid', 'link-broken']);
  });

  it('an event list that no longer matches its signed digest is a broken digest', () => {
    const range = sealedRange();
    const digest = at(range, 1).digest;
    if (!digest?.entries) throw new Error('setup');
    digest.entries = digest.entries.slice(1);
    expect(kinds(range)).toEqual(['digest-broken']);
  });

  it('a first digest linking to a predecessor that is gone is named, unless retention removed it', () => {
    const range = sealedRange();
    range.hours.splice(0, 1);
    expect(assess(range).findings).toEqual([
      { kind: 'predecessor-missing', hour: HOURS[1], predecessor: HOURS[0] },
    ]);
    range.retentionHorizon = addHours(HOURS[1] ?? '', 0);
    const report = assess(range);
    expect(report.valid).toBe(true);
    expect(report.chainStart).toEqual({ hour: HOURS[1], reason: 'predecessor-expired' });
  });

  it('a first digest whose predecessor is present is checked against it', () => {
    const full = sealedRange();
    const range = { ...full, hours: full.hours.slice(1) };
    const before = at(full, 0).digest;
    if (!before) throw new Error('setup');
    range.predecessor = { hour: HOURS[0] ?? '', text: before.text };
    expect(assess(range).valid).toBe(true);
    range.predecessor = { hour: HOURS[0] ?? '', text: `${before.text} ` };
    expect(kinds(range)).toEqual(['link-broken']);
  });

  it('every finding is described with the event or digest it names', () => {
    const range = sealedRange();
    at(range, 0).events.splice(0, 1);
    const [finding] = assess(range).findings;
    if (!finding) throw new Error('expected a finding');
    expect(describeFinding(finding).expression).toMatch(/^AuditEvent\/[0-9a-f-]{36}$/);
    expect(describeFinding({ kind: 'digest-missing', hour: HOURS[1] ?? '' }).expression).toBe(
      `digest/${HOURS[1]}`,
    );
  });
});
