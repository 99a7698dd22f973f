import { AsyncLocalStorage } from 'node:async_hooks';
import { KmsKeyringClass } from '@aws-crypto/kms-keyring';
import type { KmsNodeClientSupplier } from '@aws-crypto/kms-keyring-node';
import type { Keyring, Newable } from '@aws-crypto/material-management';
import {
  type EncryptedDataKey,
  immutableClass,
  KeyringNode,
  type NodeAlgorithmSuite,
  type NodeDecryptionMaterial,
  type NodeEncryptionMaterial,
} from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { DecryptError, KeyMaterialError, KeyServiceError } from './errors.ts';
import { kmsClient } from './kms.ts';

export type KeySource =
  | { kind: 'local'; dataKey: Buffer }
  | { kind: 'kms'; keyArn: string; kmsClient?: KMSClient };

export type KeyringStats = { wraps: number; unwraps: number };

/** A keyring that counts how often its underlying keyring (KMS in AWS) was asked for a data key. */
export type RecordsKeyring = KeyringNode & {
  stats(): KeyringStats;
  /** How many distinct data keys it was asked to unwrap (counted up to 1000). */
  dataKeysUnwrapped(): number;
};

/** Distinct data keys counted by a keyring: enough for a container's measure, bounded. */
const COUNTED_DATA_KEYS = 1000;

/**
 * KMS failures of the message being opened. The KMS keyring swallows per-key errors and
 * throws one Error with their stacks concatenated, so the error objects are recorded here,
 * per decrypt call, to tell "KMS is unavailable" (503) from "this ciphertext is bad".
 */
const kmsFailures = new AsyncLocalStorage<unknown[]>();

/** KMS errors that blame the ciphertext, not the service. */
const CIPHERTEXT_FAULTS = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

export function createKeyring(source: KeySource): RecordsKeyring {
  if (source.kind === 'local') {
    if (source.dataKey.length !== 32 || source.dataKey.every((byte) => byte === 0)) {
      throw new KeyMaterialError('the local data key must be 32 bytes, not all zero');
    }
    return new CountingKeyring(
      new RawAesKeyringNode({
        keyName: 'records-data-key',
        keyNamespace: 'records-local',
        // A copy: the keyring zeroes the buffer it is given, which would leave the caller
        // (and any second keyring built from the same Buffer) holding an all-zero key.
        unencryptedMasterKey: Uint8Array.from(source.dataKey),
        wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
      }),
    );
  }
  const kms = kmsForEncryptionSdk(source.kmsClient ?? kmsClient());
  return new CountingKeyring(new KmsKeyring({ generatorKeyId: source.keyArn, clientProvider: () => kms }));
}

class CountingKeyring extends KeyringNode {
  readonly #inner: KeyringNode;
  #wraps = 0;
  #unwraps = 0;
  readonly #dataKeys = new Set<string>();

  constructor(inner: KeyringNode) {
    super();
    this.#inner = inner;
  }

  stats(): KeyringStats {
    return { wraps: this.#wraps, unwraps: this.#unwraps };
  }

  dataKeysUnwrapped(): number {
    return this.#dataKeys.size;
  }

  override async _onEncrypt(material: NodeEncryptionMaterial): Promise<NodeEncryptionMaterial> {
    this.#wraps += 1;
    try {
      return await this.#inner.onEncrypt(material);
    } catch (error) {
      throw new KeyServiceError('the keyring could not provide a data key', { cause: error });
    }
  }

  override async _onDecrypt(
    material: NodeDecryptionMaterial,
    encryptedDataKeys: EncryptedDataKey[],
  ): Promise<NodeDecryptionMaterial> {
    this.#unwraps += 1;
    if (this.#dataKeys.size < COUNTED_DATA_KEYS) {
      this.#dataKeys.add(
        encryptedDataKeys
          .map((edk) => `${edk.providerInfo}:${Buffer.from(edk.encryptedDataKey).toString('base64')}`)
          .join(','),
      );
    }
    const failures: unknown[] = [];
    let error: unknown;
    try {
      await kmsFailures.run(failures, () => this.#inner.onDecrypt(material, encryptedDataKeys));
    } catch (caught) {
      error = caught;
    }
    if (material.hasValidKey()) return material;
    if (failures.length > 0) {
      throw new KeyServiceError('the keyring could not unwrap the data key', { cause: failures[0] });
    }
    // No service failure: the data key was wrapped by another key or was tampered with.
    throw new DecryptError('no data key of this payload can be unwrapped', { cause: error });
  }
}

type KmsForEncryptionSdk = Exclude<ReturnType<KmsNodeClientSupplier>, false>;

/**
 * The Encryption SDK's KMS keyring, built from its class factory as `KmsKeyringNode` is,
 * without that module's default client supplier: it imports the aggregated `KMS` client
 * (every KMS command) at load time, and we always pass our own client.
 */
class KmsKeyring extends KmsKeyringClass<NodeAlgorithmSuite, KmsForEncryptionSdk>(
  // The factory types its base as constructible; KeyringNode is abstract only in its typings.
  KeyringNode as unknown as Newable<Keyring<NodeAlgorithmSuite>>,
) {}
immutableClass(KmsKeyring);

/**
 * The Encryption SDK wants the aggregated v3 client (`KMS`, all commands bundled); this
 * adapter lets it use the bare `KMSClient` (smaller bundle, injectable in tests).
 */
function kmsForEncryptionSdk(client: KMSClient): KmsForEncryptionSdk {
  return {
    generateDataKey: (input) => client.send(new GenerateDataKeyCommand(input)),
    encrypt: (input) => client.send(new EncryptCommand(input)),
    decrypt: async (input) => {
      try {
        return await client.send(new DecryptCommand(input));
      } catch (error) {
        if (!(error instanceof Error && CIPHERTEXT_FAULTS.has(error.name)))
          kmsFailures.getStore()?.push(error);
        throw error;
      }
    },
  };
}
