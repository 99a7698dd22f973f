import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../shared/audit/canonical.ts';
import {
  addHours,
  type DigestEntry,
  digestText,
  eventsSha256,
  hoursBetween,
  lastCompleteHour,
  PAGE_SIZE,
  pagesOf,
  parseDigest,
  parsePage,
} from '../../../shared/audit/digest.ts';

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
});
