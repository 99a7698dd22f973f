import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import {
  GenerateMacCommand,
  type KMSClient,
  KMSInvalidMacException,
  type KMSServiceException,
  VerifyMacCommand,
} from '@aws-sdk/client-kms';
import { KeyServiceError } from './errors.ts';

/**
 * Keyed, deterministic tokens over normalized values (blind indexes) and MACs over opaque
 * data (cursors). Two implementations: an HMAC key file locally, a KMS HMAC key in AWS.
 *
 * Tokens are computed under a per-organization key, HMAC(index key, `org-index:<org>`), so
 * the same value in two organizations gives unrelated tokens: a reader of the table cannot
 * match one tenant's tokens against another's, nor test guesses made in their own tenant.
 */
export interface BlindIndexer {
  /**
   * Token for equality search on `field` within organization `org`; pass a value already
   * through `normalizeForSearch`.
   */
  token(org: string, field: string, normalizedValue: string): Promise<string>;
  mac(purpose: string, data: string): Promise<string>;
  verifyMac(purpose: string, data: string, mac: string): Promise<boolean>;
}

/**
 * Field and purpose names are code constants. Refusing NUL and ':' keeps the two message
 * formats apart: a token for field 'mac:x' would otherwise equal the MAC for purpose 'x'.
 */
const LABEL = /^[A-Za-z][A-Za-z0-9._-]*$/;

function tokenMessage(field: string, normalizedValue: string): string {
  if (!LABEL.test(field)) throw new TypeError('blind index field must be a plain name');
  return `${field}\u0000${normalizedValue}`;
}

/** ':' cannot occur in a field (LABEL) and 'org-index' is no 'mac:' prefix: no message collides. */
function orgKeyMessage(org: string): string {
  if (!ORG.test(org)) throw new TypeError('organization ids are plain names');
  return `org-index:${org}`;
}

const ORG = /^[A-Za-z0-9.-]{1,64}$/;

/** The organization key is a KeyObject: Node 24 checks a Buffer key by catching two exceptions per HMAC. */
const tokenUnder = (orgKey: KeyObject, field: string, normalizedValue: string): string =>
  createHmac('sha256', orgKey).update(tokenMessage(field, normalizedValue), 'utf8').digest('base64url');

function macMessage(purpose: string, data: string): string {
  if (!LABEL.test(purpose)) throw new TypeError('MAC purpose must be a plain name');
  return `mac:${purpose}\u0000${data}`;
}

export function createLocalBlindIndexer(indexKey: Buffer): BlindIndexer {
  const key = createSecretKey(indexKey);
  const hmac = (message: string): Buffer => createHmac('sha256', key).update(message, 'utf8').digest();
  const orgKeys = new Map<string, KeyObject>();
  return {
    async token(org, field, normalizedValue) {
      let orgKey = orgKeys.get(org);
      if (!orgKey) {
        orgKey = createSecretKey(hmac(orgKeyMessage(org)));
        orgKeys.set(org, orgKey);
      }
      return tokenUnder(orgKey, field, normalizedValue);
    },
    async mac(purpose, data) {
      return hmac(macMessage(purpose, data)).toString('base64url');
    },
    async verifyMac(purpose, data, mac) {
      const expected = hmac(macMessage(purpose, data));
      const given = Buffer.from(mac, 'base64url');
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export type KmsBlindIndexerOptions = {
  /** ARN of a KMS key with KeySpec HMAC_256 and KeyUsage GENERATE_VERIFY_MAC. */
  keyArn: string;
  kmsClient: KMSClient;
  /** Organization keys remembered per container; defaults to 1000. */
  cacheSize?: number;
};

/**
 * Blind indexer over a KMS HMAC key: the index key never leaves KMS. KMS computes each
 * organization's key once per container (GenerateMac of `org-index:<org>`), kept in a
 * bounded LRU cache; tokens are then local HMACs under it, so a search or a write costs no
 * KMS call once its organization is warm. The organization key lives in the container's
 * memory as the envelope's cached data keys do; it opens nothing, it only makes tokens.
 */
export function createKmsBlindIndexer({
  keyArn,
  kmsClient,
  cacheSize = 1000,
}: KmsBlindIndexerOptions): BlindIndexer {
  const orgKeys = new LruCache<string, Promise<KeyObject>>(cacheSize);

  async function generateMac(message: string): Promise<Uint8Array> {
    let output: Awaited<ReturnType<typeof sendGenerateMac>>;
    try {
      output = await sendGenerateMac(message);
    } catch (error) {
      throw new KeyServiceError('KMS GenerateMac failed', { cause: error });
    }
    if (!output.Mac) throw new KeyServiceError('KMS GenerateMac returned no MAC');
    return output.Mac;
  }

  function sendGenerateMac(message: string) {
    return kmsClient.send(
      new GenerateMacCommand({
        KeyId: keyArn,
        MacAlgorithm: 'HMAC_SHA_256',
        Message: Buffer.from(message, 'utf8'),
      }),
    );
  }

  return {
    async token(org, field, normalizedValue) {
      tokenMessage(field, normalizedValue);
      let orgKey = orgKeys.get(org);
      if (!orgKey) {
        // One KMS call however many tokens a cold request computes at once; a failure is not kept.
        const pending = generateMac(orgKeyMessage(org)).then((mac) => createSecretKey(Buffer.from(mac)));
        orgKey = pending;
        orgKeys.set(org, pending);
        pending.catch(() => orgKeys.delete(org));
      }
      return tokenUnder(await orgKey, field, normalizedValue);
    },
    async mac(purpose, data) {
      return Buffer.from(await generateMac(macMessage(purpose, data))).toString('base64url');
    },
    async verifyMac(purpose, data, mac) {
      const message = macMessage(purpose, data);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== 32) return false;
      try {
        const output = await kmsClient.send(
          new VerifyMacCommand({
            KeyId: keyArn,
            MacAlgorithm: 'HMAC_SHA_256',
            Message: Buffer.from(message, 'utf8'),
            Mac: given,
          }),
        );
        return output.MacValid === true;
      } catch (error) {
        // KMS answers a wrong MAC with an exception, not with MacValid: false.
        if (isInvalidMac(error)) return false;
        throw new KeyServiceError('KMS VerifyMac failed', { cause: error });
      }
    },
  };
}

function isInvalidMac(error: unknown): error is KMSServiceException {
  return (
    error instanceof KMSInvalidMacException ||
    (error instanceof Error && error.name === 'KMSInvalidMacException')
  );
}

/** Least-recently-used map: a Map keeps insertion order, so re-inserting on read moves a key to the end. */
class LruCache<K, V> {
  readonly #capacity: number;
  readonly #entries = new Map<K, V>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value === undefined) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, value);
    return value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
  }

  set(key: K, value: V): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }
}
