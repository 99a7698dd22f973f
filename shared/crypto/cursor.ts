import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import * as z from 'zod/mini';
import { BadRequestError } from '../base/errors.ts';
import type { BlindIndexer } from './blind-index.ts';
import { canonicalJson, sha256Hex } from './canonical.ts';
import { blindIndexer } from './runtime.ts';

/**
 * Opaque paging cursors: the DynamoDB key to continue from, encrypted and authenticated
 * with AES-256-GCM. The additional data binds a cursor to the caller (sub), the
 * organization and the query, so a cursor reveals no key (no patient id, no token), cannot
 * be forged or edited, and opens for nobody else and for no other query: all of those are
 * the same 400.
 *
 * The AES key is derived from the index key, the one key every cursor-using route already
 * may use (`indexKey: true` in the route table): HMAC(index key, `mac:cursor-key`) through
 * `mac`, i.e. KMS GenerateMac in AWS, once per container. No new KMS grant, no KMS call per
 * page; rotating the index key invalidates outstanding cursors, as it always did.
 */
const StartKeySchema = z.record(z.string(), z.union([z.string(), z.number()]));

export type StartKey = Record<string, string | number>;

/** Whose cursor it is: the principal's `sub` and `org`. */
export interface CursorScope {
  sub: string;
  org: string;
}

const VERSION = 'c1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const keys = new WeakMap<BlindIndexer, Promise<KeyObject>>();

/** As a KeyObject: Node 24 checks a Buffer key by catching two exceptions per cipher. */
function cursorKey(): Promise<KeyObject> {
  const indexer = blindIndexer();
  let key = keys.get(indexer);
  if (!key) {
    const pending = indexer
      .mac('cursor-key', 'aes-256-gcm')
      .then((mac) => createSecretKey(Buffer.from(mac, 'base64url')));
    key = pending;
    keys.set(indexer, pending);
    // A failed derivation (KMS down) is answered 503 now and retried by the next request.
    pending.catch(() => keys.delete(indexer));
  }
  return key;
}

const additionalData = (scope: CursorScope, query: unknown): Buffer =>
  Buffer.from(
    `${VERSION}\u0000${sha256Hex(canonicalJson({ sub: scope.sub, org: scope.org, query }))}`,
    'utf8',
  );

export async function encodeCursor(startKey: StartKey, scope: CursorScope, query: unknown): Promise<string> {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', await cursorKey(), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(scope, query));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(startKey), 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

export async function decodeCursor(cursor: string, scope: CursorScope, query: unknown): Promise<StartKey> {
  const invalid = () =>
    new BadRequestError('the paging cursor is not valid for this query', { code: 'value' });
  const [version, body, ...rest] = cursor.split('.');
  if (version !== VERSION || !body || rest.length > 0 || cursor.length > 4096) throw invalid();
  const bytes = Buffer.from(body, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) throw invalid();
  const key = await cursorKey();
  let plaintext: string;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(additionalData(scope, query));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    plaintext = Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw invalid();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(plaintext);
  } catch {
    throw invalid();
  }
  const startKey = StartKeySchema.safeParse(parsed);
  if (!startKey.success) throw invalid();
  return startKey.data;
}
