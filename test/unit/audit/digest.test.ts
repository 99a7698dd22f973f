import { describe, expect, it } from 'vitest';
import {
  addHours,
  type DigestEntry,
  digestText,
  entryOf,
  eventsSha256,
  hoursBetween,
  lastCompleteHour,
  PAGE_SIZE,
  pagesOf,
  parseDigest,
  parsePage,
} from '../../../shared/audit/digest.ts';
import { sha256Hex } from '../../../shared/crypto/canonical.ts';

const entry = (n: number): DigestEntry => ({
  sk: `2001-02-03T04:05:${String(n % 60).padStart(2, '0')}.000Z#0000000${n}`,
  hash: sha256Hex(String(n)),
});

const input = (entries: DigestEntry[]) => ({
  hour: '2001-02-03T04',
  entries,
  sealId: '0f6c2b1e-4f0a-4c55-9a3e-0f1d2c3b4a59',
  previous: undefined,
  signingKeyId: 'local:abc',
  sealedAt: new Date('2001-02-03T05:06:00.000Z'),
});

describe('digest', () => {
  it('is canonical JSON that parses back to the fields it seals', () => {
    const text = digestText(input([entry(1), entry(2)]));
    const body = parseDigest(text);
    expect(body).toMatchObject({ version: 1, hour: '2001-02-03T04', count: 2, pages: 1, previous: null });
    expect(body?.eventsSha256).toBe(eventsSha256([entry(1), entry(2)]));
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    expect(Object.keys(JSON.parse(text))).toEqual([...Object.keys(JSON.parse(text))].sort());
  });

  it('an empty hour is sealed too, with no pages and the hash of nothing', () => {
    const body = parseDigest(digestText(input([])));
    expect(body?.count).toBe(0);
    expect(body?.pages).toBe(0);
    expect(body?.eventsSha256).toBe(sha256Hex(''));
  });

  it('links to the previous digest by the SHA-256 of its text', () => {
    const previous = digestText({ ...input([]), hour: '2001-02-03T03' });
    const body = parseDigest(
      digestText({ ...input([entry(1)]), previous: { hour: '2001-02-03T03', digestText: previous } }),
    );
    expect(body?.previous).toEqual({ hour: '2001-02-03T03', digestSha256: sha256Hex(previous) });
  });

  it('the events hash changes with any change of order, key or hash', () => {
    const base = eventsSha256([entry(1), entry(2)]);
    expect(eventsSha256([entry(2), entry(1)])).not.toBe(base);
    expect(eventsSha256([entry(1), { ...entry(2), hash: sha256Hex('x') }])).not.toBe(base);
    expect(eventsSha256([entry(1)])).not.toBe(base);
  });

  it('splits long event lists into pages that parse back to the same list', () => {
    const entries = Array.from({ length: PAGE_SIZE + 3 }, (_, n) => entry(n));
    const pages = pagesOf(entries);
    expect(pages).toHaveLength(2);
    expect(pages.flatMap((page) => parsePage(page) ?? [])).toEqual(entries);
    expect(parseDigest(digestText(input(entries)))?.pages).toBe(2);
  });

  it('refuses pages with malformed lines and digests with unknown or missing fields', () => {
    expect(parsePage('2001-02-03T04:05:00.000Z#x nothex')).toBeUndefined();
    const body = JSON.parse(digestText(input([])));
    expect(parseDigest(JSON.stringify({ ...body, extra: 1 }))).toBeUndefined();
    expect(parseDigest(JSON.stringify({ ...body, count: -1 }))).toBeUndefined();
    expect(parseDigest('{')).toBeUndefined();
  });

  it('counts hours in UTC across day and year boundaries', () => {
    expect(addHours('2000-12-31T23', 1)).toBe('2001-01-01T00');
    expect(addHours('2001-01-01T00', -1)).toBe('2000-12-31T23');
    expect(hoursBetween('2000-12-31T22', '2001-01-01T01')).toEqual([
      '2000-12-31T22',
      '2000-12-31T23',
      '2001-01-01T00',
      '2001-01-01T01',
    ]);
  });

  it('an hour is complete only once the grace period after its end has passed', () => {
    const grace = 5 * 60 * 1000;
    expect(lastCompleteHour(new Date('2026-11-25T09:04:59.999Z'), grace)).toBe('2026-11-25T07');
    expect(lastCompleteHour(new Date('2026-11-25T09:05:00.000Z'), grace)).toBe('2026-11-25T08');
  });

  it('seals every attribute of an item: an index attribute or the expiry changes its item hash, not its content hash', () => {
    const item = {
      pk: 'AE#2001-02-03T04',
      sk: '2001-02-03T04:05:06.000Z#x',
      orgPk: 'org a',
      patientPk: 'org a#p-1',
      expiresAt: 1_178_000_000,
      hash: sha256Hex('{}'),
      event: '{}',
    };
    const sealed = entryOf(item);
    expect(sealed).toMatchObject({ sk: item.sk, hash: item.hash, org: 'org a' });
    for (const changed of [
      { orgPk: 'org b' },
      { patientPk: 'org a#p-2' },
      { expiresAt: 1 },
      { extra: 'x' },
    ]) {
      const entry = entryOf({ ...item, ...changed });
      expect(entry.hash).toBe(sealed.hash);
      expect(entry.itemHash).not.toBe(sealed.itemHash);
    }
    // Items that are not AuditEvents (no event, no hash) are sealed whole too.
    expect(entryOf({ pk: item.pk, sk: `${item.sk}#p#p-2`, patientPk: 'org a#p-2' }).itemHash).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('writes version 2 lines with the item hash and organization, which parse back, organizations with spaces or % too', () => {
    const entries: DigestEntry[] = [
      { sk: 'a#1', hash: sha256Hex('1'), itemHash: sha256Hex('i1'), org: 'org 50% off' },
      { sk: 'a#2', hash: sha256Hex('2'), itemHash: sha256Hex('i2') },
    ];
    expect(parsePage(pagesOf(entries)[0] ?? '')).toEqual(entries);
    expect(parseDigest(digestText(input(entries)))?.version).toBe(2);
  });
});
