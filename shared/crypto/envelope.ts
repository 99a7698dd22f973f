// The Encryption SDK's parts, not its umbrella package: @aws-crypto/client-node is CommonJS
// and requires every keyring (RSA, hierarchical, branch keystore) at load time.
import {
  getLocalCryptographicMaterialsCache,
  NodeCachingMaterialsManager,
} from '@aws-crypto/caching-materials-manager-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import type { EncryptionContext } from '@aws-crypto/material-management';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  type NodeAlgorithmSuite,
  NodeDefaultCryptographicMaterialsManager,
  type NodeMaterialsManager,
} from '@aws-crypto/material-management-node';
import * as z from 'zod/mini';
import { DecryptError, KeyServiceError } from './errors.ts';
import { createKeyring, type KeySource, type RecordsKeyring } from './keyring.ts';
import {
  type KeyRequest,
  keysOf,
  MessageError,
  type OpenedMessage,
  type OpeningKeys,
  openMessage,
} from './message.ts';

/** Where a payload lives: the record version it was sealed for. */
export type RecordRef = { tenant: string; resourceType: string; id: string; versionId: number };

export type EnvelopeOptions = {
  /** How long one data key is reused; defaults to 5 minutes. */
  maxAgeMs?: number;
  /** How many payloads one data key may seal; defaults to 1000. */
  maxMessagesEncrypted?: number;
  /** Data keys kept per container for sealing, and as many for opening; defaults to 100. */
  cacheCapacity?: number;
  /**
   * The encryption context's purpose, which IAM grants are conditioned on; defaults to
   * PURPOSE (record payloads). Another purpose seals values whose grants differ (audit reasons).
   */
  purpose?: string;
  /** The largest plaintext `open` accepts; defaults to a DynamoDB item's 400 KB (attachments: more). */
  maxBodyBytes?: number;
};

export type Envelope = {
  seal(ref: RecordRef, resource: unknown): Promise<Uint8Array>;
  open(ref: RecordRef, ciphertext: Uint8Array): Promise<unknown>;
};

const PURPOSE = 'fhir-resource';

/** The purpose of break-glass reasons sealed into AuditEvents (see infra/access.ts). */
export const AUDIT_REASON_PURPOSE = 'audit-reason';

/**
 * Committing and unsigned. Every writer is also a reader (the same Lambda roles hold
 * GenerateDataKey and Decrypt), so an ECDSA signature would prove nothing a reader could
 * not forge, and would cost a P-384 sign per seal and a verify per open.
 */
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;

/** A DynamoDB item holds at most 400 KB: no genuine payload is larger. */
const MAX_BODY_BYTES = 400 * 1024;

const REF_PART = /^[^/]+$/;

const sealedRecord = z.object({ ref: z.string(), resource: z.unknown() });

const CLIENT_OPTIONS = {
  commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT,
  // Records are sealed under one wrapping key: refuse messages that make us try more.
  maxEncryptedDataKeys: 1,
};
const { encrypt } = buildEncrypt(CLIENT_OPTIONS);

/**
 * Seals FHIR resources with the AWS Encryption SDK, and opens them only at the place they
 * were sealed for.
 *
 * Why the record id is not in the encryption context: the SDK's materials cache is keyed by
 * the encryption context, so a context naming the record would make every record a cache
 * miss, i.e. one KMS call per distinct record. The context therefore holds only what is
 * shared by many records (tenant, resourceType, purpose), and the full ref
 * (tenant/resourceType/id/versionId) is bound inside the authenticated plaintext. `open`
 * checks both, so a payload copied to another item (other id, version, tenant or type)
 * fails with a DecryptError instead of showing one patient's record as another's.
 */
export function createEnvelope(keyring: RecordsKeyring, options: EnvelopeOptions = {}): Envelope {
  const {
    maxAgeMs = 5 * 60_000,
    maxMessagesEncrypted = 1000,
    cacheCapacity = 100,
    purpose = PURPOSE,
    maxBodyBytes = MAX_BODY_BYTES,
  } = options;
  const materials = coalesceConcurrentMisses(
    new NodeCachingMaterialsManager({
      backingMaterials: keyring,
      cache: getLocalCryptographicMaterialsCache<NodeAlgorithmSuite>(cacheCapacity),
      maxAge: maxAgeMs,
      maxMessagesEncrypted,
    }),
  );
  const openingKeys = rememberedKeys(
    keysOf(new NodeDefaultCryptographicMaterialsManager(keyring)),
    maxAgeMs,
    cacheCapacity,
  );

  return {
    async seal(ref, resource) {
      const plaintext = Buffer.from(JSON.stringify({ ref: formatRef(ref), resource }), 'utf8');
      const { result } = await encrypt(materials, plaintext, {
        encryptionContext: encryptionContextOf(ref, purpose),
        suiteId: SUITE,
      });
      return result;
    },

    async open(ref, ciphertext) {
      const expectedRef = formatRef(ref);
      let opened: OpenedMessage;
      try {
        // The SDK's decrypt, held in memory (message.ts): one algorithm suite, which we write.
        opened = await openMessage(openingKeys, ciphertext, {
          suiteId: SUITE,
          commitmentPolicy: CLIENT_OPTIONS.commitmentPolicy,
          maxEncryptedDataKeys: CLIENT_OPTIONS.maxEncryptedDataKeys,
          maxBodySize: maxBodyBytes,
        });
      } catch (error) {
        if (error instanceof KeyServiceError || error instanceof DecryptError) throw error;
        // Its messages name the part of the message that failed, never its bytes.
        if (error instanceof MessageError) throw new DecryptError(error.message, { cause: error });
        throw new DecryptError('payload does not authenticate', { cause: error });
      }
      if (!hasExactly(opened.encryptionContext, encryptionContextOf(ref, purpose))) {
        throw new DecryptError('payload does not belong to this record');
      }
      const sealed = sealedRecord.safeParse(parseJson(opened.plaintext));
      if (!sealed.success || sealed.data.ref !== expectedRef) {
        throw new DecryptError('payload does not belong to this record');
      }
      return sealed.data.resource;
    },
  };
}

export function createEnvelopeFromKeySource(source: KeySource, options?: EnvelopeOptions): Envelope {
  return createEnvelope(createKeyring(source), options);
}

function formatRef({ tenant, resourceType, id, versionId }: RecordRef): string {
  // '/' separates the parts, so a part containing one could impersonate another ref.
  if (![tenant, resourceType, id].every((part) => REF_PART.test(part)) || !Number.isSafeInteger(versionId)) {
    throw new TypeError('record reference must have non-empty parts without "/" and an integer versionId');
  }
  return `${tenant}/${resourceType}/${id}/${versionId}`;
}

function encryptionContextOf({ tenant, resourceType }: RecordRef, purpose: string): EncryptionContext {
  return { tenant, resourceType, purpose };
}

function hasExactly(actual: Readonly<EncryptionContext>, expected: EncryptionContext): boolean {
  const actualKeys = Object.keys(actual);
  return (
    actualKeys.length === Object.keys(expected).length &&
    actualKeys.every((key) => actual[key] === expected[key])
  );
}

function parseJson(plaintext: Buffer): unknown {
  try {
    return JSON.parse(plaintext.toString('utf8'));
  } catch {
    // No cause: the parser's message quotes the plaintext.
    return undefined;
  }
}

/**
 * The caching CMM does not share a miss: N seals started together on a cold cache each ask
 * the keyring, i.e. N KMS calls. This gate lets the first miss for a cache key run while the
 * others wait for it, then read the cache. (Opening keeps its keys in rememberedKeys.)
 */
function coalesceConcurrentMisses(materials: NodeMaterialsManager): NodeMaterialsManager {
  const inFlight = new Map<string, Promise<unknown>>();

  async function once<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const pending = inFlight.get(key);
    if (pending) {
      await pending.catch(() => undefined);
      return fetch();
    }
    const current = fetch();
    inFlight.set(key, current);
    try {
      return await current;
    } finally {
      inFlight.delete(key);
    }
  }

  return {
    getEncryptionMaterials: (request) =>
      once(`encrypt|${request.suite?.id ?? ''}|${contextKey(request.encryptionContext)}`, () =>
        materials.getEncryptionMaterials(request),
      ),
    decryptMaterials: (request) => materials.decryptMaterials(request),
  };
}

/**
 * The data keys payloads are opened with, kept by everything that names one (suite,
 * encryption context, encrypted data keys) for `maxAgeMs` from their unwrap, at most
 * `capacity` of them (the oldest go first): as the SDK's caching materials manager keeps
 * decryption materials, without its per-message cost. That one hashes the context and the
 * data keys with SHA-512 and clones the materials on every open, about 0.1 ms a record, a
 * third of an open. Concurrent opens of one new key share its unwrap: one KMS call for a
 * page sealed under one data key, not one per record. A failed unwrap is not kept.
 */
function rememberedKeys(unwrap: OpeningKeys, maxAgeMs: number, capacity: number): OpeningKeys {
  const known = new Map<string, { key: ReturnType<OpeningKeys>; expires: number }>();
  return (request) => {
    const name = keyName(request);
    const now = Date.now();
    const entry = known.get(name);
    if (entry && entry.expires > now) return entry.key;
    known.delete(name);
    const key = unwrap(request);
    known.set(name, { key, expires: now + maxAgeMs });
    for (const oldest of known.keys()) {
      if (known.size <= capacity) break;
      known.delete(oldest);
    }
    key.catch(() => {
      if (known.get(name)?.key === key) known.delete(name);
    });
    return key;
  };
}

/** Everything a decryption request names its data key by, unambiguously. */
function keyName({ suite, encryptionContext, encryptedDataKeys }: KeyRequest): string {
  return JSON.stringify([
    suite.id,
    contextKey(encryptionContext),
    encryptedDataKeys.map((edk) => [
      edk.providerId,
      edk.providerInfo,
      Buffer.from(edk.encryptedDataKey).toString('base64'),
    ]),
  ]);
}

function contextKey(context: Readonly<EncryptionContext>): string {
  return JSON.stringify(Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
