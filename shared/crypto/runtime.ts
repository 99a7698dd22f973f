import { config } from '../config.ts';
import { type BlindIndexer, createKmsBlindIndexer, createLocalBlindIndexer } from './blind-index.ts';
import { AUDIT_REASON_PURPOSE, createEnvelope, type Envelope } from './envelope.ts';
import { createKeyring, type RecordsKeyring } from './keyring.ts';
import { kmsClient } from './kms.ts';
import { readLocalKeyMaterial } from './local-keys.ts';

/**
 * The container's crypto, built once from configuration: the only difference between
 * AWS (KMS keys) and local runs (key files in the data dir). Tests may inject their own.
 */
let keyring: RecordsKeyring | undefined;
let envelope: Envelope | undefined;
let reasonEnvelope: Envelope | undefined;
let attachmentEnvelope: Envelope | undefined;
let indexer: BlindIndexer | undefined;
export function dataKeyring(): RecordsKeyring {
  if (!keyring) {
    const { keys } = config();
    keyring =
      keys.kind === 'local'
        ? createKeyring({ kind: 'local', dataKey: readLocalKeyMaterial(keys.dir).dataKey })
        : createKeyring({ kind: 'kms', keyArn: keys.dataKeyArn, kmsClient: kmsClient() });
  }
  return keyring;
}

export function recordEnvelope(): Envelope {
  envelope ??= createEnvelope(dataKeyring());
  return envelope;
}

/**
 * Attachments (Binary bodies, in S3 or the data dir, not in an item): the records' envelope
 * with a larger plaintext limit, the largest body a Lambda function can be given.
 */
export function binaryEnvelope(): Envelope {
  attachmentEnvelope ??= createEnvelope(dataKeyring(), { maxBodyBytes: 6 * 1024 * 1024 });
  return attachmentEnvelope;
}

/** Break-glass reasons in AuditEvents: the data key under its own purpose, so its grants differ. */
export function auditReasonEnvelope(): Envelope {
  reasonEnvelope ??= createEnvelope(dataKeyring(), { purpose: AUDIT_REASON_PURPOSE });
  return reasonEnvelope;
}

export function blindIndexer(): BlindIndexer {
  if (!indexer) {
    const { keys } = config();
    indexer =
      keys.kind === 'local'
        ? createLocalBlindIndexer(readLocalKeyMaterial(keys.dir).indexKey)
        : createKmsBlindIndexer({ keyArn: keys.indexKeyArn, kmsClient: kmsClient() });
  }
  return indexer;
}

/** For fault-injection tests: replace (or reset with undefined) the container's crypto. */
export function setCrypto(parts: { envelope?: Envelope; indexer?: BlindIndexer }): void {
  envelope = parts.envelope;
  indexer = parts.indexer;
}
