import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../base/dynamo.ts';
import type { StartKey } from '../crypto/cursor.ts';
import { toStartKey } from './resources.ts';

/**
 * Pages of what one caller may see, read from a key space that also holds what they may not
 * (an index of the organization's records, filtered by the access policy after the read).
 * A page holds up to `count` visible matches; it has a `next` position only when a further
 * visible match was seen, or when the read budget ran out before the key space ended. So an
 * empty key space, and one holding only hidden records, answer alike: no matches, no `next`.
 */

/** One item of the key space: the record it names and where a page resuming after it starts. */
export interface Candidate {
  id: string;
  key: StartKey;
}

export interface Chunk {
  candidates: Candidate[];
  /** DynamoDB's LastEvaluatedKey: absent when the key space has ended. */
  last?: StartKey | undefined;
}

/** Query calls one page may take when the policy hides what they read; past it, `next` resumes. */
export const MAX_PAGE_READS = 4;
/** Items one Query reads at most: enough to see past a stretch of hidden records. */
const MAX_CHUNK = 100;

export async function visiblePage<T>(
  count: number,
  start: StartKey | undefined,
  read: (start: StartKey | undefined, limit: number) => Promise<Chunk>,
  /**
   * Reads the records of these ids, and gives how to judge each: the visible match it is, or
   * undefined. Asked in key order, only until the page is decided; no side effects (the
   * caller audits what it returns).
   */
  visible: (ids: string[]) => Promise<(id: string) => Promise<T | undefined>>,
): Promise<{ matches: T[]; next?: StartKey }> {
  const matches: T[] = [];
  // One record may have several items in a key space (two name words with the same prefix).
  const taken = new Set<string>();
  let lastMatch: StartKey | undefined;
  let position = start;
  const limit = Math.min(MAX_CHUNK, Math.max(count + 1, 20));
  for (let reads = 0; reads < MAX_PAGE_READS; reads++) {
    const chunk = await read(position, limit);
    const shown = await visible(chunk.candidates.map((candidate) => candidate.id));
    for (const candidate of chunk.candidates) {
      if (taken.has(candidate.id)) continue;
      const match = await shown(candidate.id);
      if (match === undefined) continue;
      // A visible match past a full page: there is more to see, from after the page's last.
      if (matches.length === count) return { matches, ...(lastMatch ? { next: lastMatch } : {}) };
      matches.push(match);
      taken.add(candidate.id);
      lastMatch = candidate.key;
    }
    if (!chunk.last) return { matches };
    position = chunk.last;
  }
  return { matches, ...(position ? { next: position } : {}) };
}

/** A `visiblePage` reader over one Query: each item names a candidate, or is passed over. */
export const queryReader =
  (input: QueryCommandInput, candidateOf: (item: Record<string, unknown>) => Candidate | undefined) =>
  async (start: StartKey | undefined, limit: number): Promise<Chunk> => {
    const page = await dynamo().send(
      new QueryCommand({ ...input, Limit: limit, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    return {
      candidates: (page.Items ?? []).flatMap((item) => {
        const candidate = candidateOf(item);
        return candidate ? [candidate] : [];
      }),
      last: page.LastEvaluatedKey ? toStartKey(page.LastEvaluatedKey) : undefined,
    };
  };

/** An item of a KEYS_ONLY index over heads: its pk is `org#Type#id`, and it is its own start key. */
export function headCandidate(item: Record<string, unknown>): Candidate | undefined {
  const id = String(item.pk).split('#').at(-1) ?? '';
  return id === '' ? undefined : { id, key: toStartKey(item) };
}
