import * as z from 'zod/mini';
import { canonicalJson, sha256Hex } from '../audit/canonical.ts';
import { blindIndexer } from '../crypto/runtime.ts';
import { BadRequestError } from '../http/errors.ts';

/**
 * Opaque paging cursors: the DynamoDB key to continue from, bound to the caller and the
 * query, MAC'd with the index key. A cursor cannot be forged, edited, or replayed by
 * another user or for another query (BOLA through cursors).
 */
const Payload = z.object({
  k: z.record(z.string(), z.union([z.string(), z.number()])),
  b: z.string(),
});

export type StartKey = Record<string, string | number>;

const PURPOSE = 'cursor';

const bindingOf = (binding: unknown): string => sha256Hex(canonicalJson(binding)).slice(0, 32);

export async function encodeCursor(startKey: StartKey, binding: unknown): Promise<string> {
  const body = Buffer.from(JSON.stringify({ k: startKey, b: bindingOf(binding) }), 'utf8').toString(
    'base64url',
  );
  const mac = await blindIndexer().mac(PURPOSE, body);
  return `${body}.${mac}`;
}

export async function decodeCursor(cursor: string, binding: unknown): Promise<StartKey> {
  const invalid = () =>
    new BadRequestError('the paging cursor is not valid for this query', { code: 'value' });
  const [body, mac, ...rest] = cursor.split('.');
  if (!body || !mac || rest.length > 0 || cursor.length > 4096) throw invalid();
  if (!(await blindIndexer().verifyMac(PURPOSE, body, mac))) throw invalid();
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const payload = Payload.safeParse(parsed);
  if (!payload.success || payload.data.b !== bindingOf(binding)) throw invalid();
  return payload.data.k;
}
