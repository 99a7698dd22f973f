import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlindIndexer } from '../../../shared/crypto/blind-index.ts';
import { decodeCursor, encodeCursor } from '../../../shared/crypto/cursor.ts';
import { setCrypto } from '../../../shared/crypto/runtime.ts';
import { type Chunk, MAX_PAGE_READS, visiblePage } from '../../../shared/store/paging.ts';

/** A key space of ids `r0..r{n-1}`, read in chunks as DynamoDB would, counting the reads. */
function keySpace(size: number) {
  const ids = Array.from({ length: size }, (_, index) => `r${index}`);
  const reads: number[] = [];
  const read = async (start: Record<string, string | number> | undefined, limit: number): Promise<Chunk> => {
    const from = start === undefined ? 0 : ids.indexOf(String(start.sk)) + 1;
    reads.push(from);
    const slice = ids.slice(from, from + limit);
    const candidates = slice.map((id) => ({ id, key: { pk: 'p', sk: id } }));
    const last = from + limit < ids.length ? candidates.at(-1)?.key : undefined;
    return { candidates, last };
  };
  return { read, reads };
}

/** The visible ones of `visible`; `judged` records each id judged (a record decrypted). */
const showing =
  (visible: Set<string>, judged: string[] = []) =>
  async (_ids: string[]) =>
  async (id: string) => {
    judged.push(id);
    return visible.has(id) ? id : undefined;
  };

describe('pages of visible matches', () => {
  it('gives no next when the key space holds only hidden records', async () => {
    const space = keySpace(30);
    const page = await visiblePage(1, undefined, space.read, showing(new Set()));
    expect(page).toEqual({ matches: [] });
  });

  it('gives next only when a further visible match exists, resuming after the last one shown', async () => {
    const space = keySpace(60);
    const visible = new Set(['r3', 'r40']);
    const first = await visiblePage(1, undefined, space.read, showing(visible));
    expect(first).toEqual({ matches: ['r3'], next: { pk: 'p', sk: 'r3' } });
    const second = await visiblePage(1, first.next, space.read, showing(visible));
    expect(second).toEqual({ matches: ['r40'] });
  });

  it('stops after a bounded number of reads and resumes where reading stopped', async () => {
    const space = keySpace(1000);
    const page = await visiblePage(1, undefined, space.read, showing(new Set(['r999'])));
    expect(space.reads).toHaveLength(MAX_PAGE_READS);
    expect(page.matches).toEqual([]);
    expect(page.next).toEqual({ pk: 'p', sk: `r${MAX_PAGE_READS * 20 - 1}` });
  });

  it('judges the records of a chunk only until the page is decided', async () => {
    // A chunk of 20 read for a page of 3: the three shown and the one that decides `next`.
    const space = keySpace(40);
    const judged: string[] = [];
    const visible = new Set(['r0', 'r2', 'r4', 'r6', 'r8']);
    const page = await visiblePage(3, undefined, space.read, showing(visible, judged));
    expect(page).toEqual({ matches: ['r0', 'r2', 'r4'], next: { pk: 'p', sk: 'r4' } });
    expect(judged).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
  });

  it('shows a record with several items in the key space once per page', async () => {
    const read = async (): Promise<Chunk> => ({
      candidates: [
        { id: 'a', key: { sk: 'x#a' } },
        { id: 'a', key: { sk: 'y#a' } },
        { id: 'b', key: { sk: 'y#b' } },
      ],
    });
    const page = await visiblePage(5, undefined, read, showing(new Set(['a', 'b'])));
    expect(page).toEqual({ matches: ['a', 'b'] });
  });
});

describe('opaque cursors', () => {
  beforeAll(() => setCrypto({ indexer: createLocalBlindIndexer(randomBytes(32)) }));
  afterAll(() => setCrypto({}));
  const scope = { sub: 'u-1', org: 'org-1' };
  const key = { pk: 'org-1#Patient?family=abc', sk: '0b7e6f7a-1111-4222-8333-944445555666' };

  it('round-trips the start key for the same caller and query, and shows none of it', async () => {
    const cursor = await encodeCursor(key, scope, { family: 'x' });
    expect(await decodeCursor(cursor, scope, { family: 'x' })).toEqual(key);
    expect(cursor).not.toContain('org-1');
    expect(Buffer.from(cursor.slice(3), 'base64url').toString('latin1')).not.toContain(key.sk);
    expect(await encodeCursor(key, scope, { family: 'x' })).not.toBe(cursor);
  });

  it.each([
    ['another user', { sub: 'u-2', org: 'org-1' }, { family: 'x' }],
    ['another organization', { sub: 'u-1', org: 'org-2' }, { family: 'x' }],
    ['another query', { sub: 'u-1', org: 'org-1' }, { family: 'y' }],
  ])('refuses a cursor replayed by %s with a 400', async (_, other, query) => {
    const cursor = await encodeCursor(key, scope, { family: 'x' });
    await expect(decodeCursor(cursor, other, query)).rejects.toMatchObject({ status: 400 });
  });

  it.each(['', 'c1.', 'c1.AAAA', 'c2.abc', 'not a cursor'])(
    'refuses the malformed cursor %j with a 400',
    async (cursor) => {
      await expect(decodeCursor(cursor, scope, {})).rejects.toMatchObject({ status: 400 });
    },
  );

  it('refuses a cursor with one bit changed', async () => {
    const cursor = await encodeCursor(key, scope, {});
    const bytes = Buffer.from(cursor.slice(3), 'base64url');
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1;
    await expect(decodeCursor(`c1.${bytes.toString('base64url')}`, scope, {})).rejects.toMatchObject({
      status: 400,
    });
  });
});
