import { createDecipheriv, createSecretKey, hkdfSync, type KeyObject, timingSafeEqual } from 'node:crypto';
// The Encryption SDK's own parts: its message parser, body framing, AAD and key labels.
import {
  type AlgorithmSuiteIdentifier,
  type CommitmentPolicy,
  CommitmentPolicySuites,
  type EncryptedDataKey,
  type EncryptionContext,
  MessageFormat,
  NodeAlgorithmSuite,
  type NodeMaterialsManager,
  unwrapDataKey,
} from '@aws-crypto/material-management-node';
import {
  aadFactory,
  ContentType,
  decodeBodyHeader,
  deserializeFactory,
  kdfCommitKeyInfo,
} from '@aws-crypto/serialize';

/**
 * Opens one Encryption SDK message held whole in memory, as `@aws-crypto/decrypt-node`'s
 * `decrypt` does, without its stream pipeline. A record is one small message (one frame of
 * at most 4 KB, or a few), and the SDK's Node decrypt runs it through four chained streams
 * and several event-loop turns: about 0.4 ms of a 0.7 ms open, paid once per record a search
 * or `$everything` returns (bench/crypto.ts measures an open).
 *
 * The steps are the SDK's: `deserializeMessageHeader` (format version, suite, encryption
 * context, data keys, at most `maxEncryptedDataKeys` of them), the commitment policy, the data
 * key from a materials manager's keyring (`keysOf`, below), the key derivation and commitment
 * check of `nodeKdf` (below), the header's authentication tag, `decodeBodyHeader` and the
 * frames' AAD (message id, sequence number, final-frame flag, length). Stricter than the SDK: one
 * algorithm suite only (committing, unsigned: what envelope.ts seals), framed bodies only,
 * nothing after the final frame, and `maxBodySize` bounds the whole plaintext, not each frame.
 * No plaintext leaves before every frame and the header have authenticated.
 */
export interface OpenedMessage {
  plaintext: Buffer;
  encryptionContext: Readonly<Record<string, string>>;
  suiteId: AlgorithmSuiteIdentifier;
}

/** What a message names its data key by: the materials manager's decryption request. */
export interface KeyRequest {
  suite: NodeAlgorithmSuite;
  encryptionContext: Readonly<EncryptionContext>;
  encryptedDataKeys: readonly EncryptedDataKey[];
}

/** A message's data key, unwrapped, with the suite it is for. */
export interface OpeningKey {
  suite: NodeAlgorithmSuite;
  dataKey: KeyObject;
}

export type OpeningKeys = (request: KeyRequest) => Promise<OpeningKey>;

/** Why a message did not open; never quotes the message's bytes. */
export class MessageError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MessageError';
  }
}

const toUtf8 = (input: Uint8Array): string =>
  Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
const deserialize = deserializeFactory(toUtf8, NodeAlgorithmSuite);
const aad = aadFactory((input: string) => Buffer.from(input, 'utf8'));
const EMPTY = Buffer.alloc(0);

const bufferOf = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/**
 * The data keys of a materials manager (its keyring unwraps them): each asked for, its
 * decryption materials' copy of the key taken into a KeyObject, and zeroed.
 */
export const keysOf =
  (materials: NodeMaterialsManager): OpeningKeys =>
  async (request) => {
    const material = await materials.decryptMaterials({
      suite: request.suite,
      encryptionContext: request.encryptionContext,
      encryptedDataKeys: request.encryptedDataKeys,
    });
    try {
      return {
        suite: material.suite,
        dataKey: createSecretKey(unwrapDataKey(material.getUnencryptedDataKey())),
      };
    } finally {
      material.zeroUnencryptedDataKey();
    }
  };

export async function openMessage(
  keys: OpeningKeys,
  ciphertext: Uint8Array,
  options: {
    suiteId: AlgorithmSuiteIdentifier;
    commitmentPolicy: CommitmentPolicy;
    maxEncryptedDataKeys: number;
    maxBodySize: number;
  },
): Promise<OpenedMessage> {
  const message = bufferOf(ciphertext);
  const headerInfo = deserialize.deserializeMessageHeader(message, {
    maxEncryptedDataKeys: options.maxEncryptedDataKeys,
  });
  if (!headerInfo) throw new MessageError('message header is incomplete');
  const { messageHeader, algorithmSuite, rawHeader, headerAuth } = headerInfo;
  if (algorithmSuite.id !== options.suiteId || messageHeader.version !== MessageFormat.V2) {
    throw new MessageError('message was sealed with another algorithm suite');
  }
  if (messageHeader.contentType !== ContentType.FRAMED_DATA) {
    throw new MessageError('message body is not framed');
  }
  const messageIdHex = Buffer.from(messageHeader.messageId).toString('hex');
  CommitmentPolicySuites.isDecryptEnabled(options.commitmentPolicy, algorithmSuite, messageIdHex);
  const { suite, dataKey } = await keys({
    suite: new NodeAlgorithmSuite(algorithmSuite.id),
    encryptionContext: messageHeader.encryptionContext,
    encryptedDataKeys: messageHeader.encryptedDataKeys,
  });
  if (suite.id !== options.suiteId) throw new MessageError('materials are for another algorithm suite');
  if (suite.signatureHash) throw new MessageError('message suite is signed');
  const key = derivedKey(suite, dataKey, messageHeader.messageId, messageHeader.suiteData);
  const { encryption, tagLength } = suite;
  const getDecipher = (iv: Uint8Array) =>
    createDecipheriv(encryption, key, iv, { authTagLength: tagLength / 8 });
  const header = getDecipher(headerAuth.headerIv);
  header.setAAD(bufferOf(rawHeader));
  header.setAuthTag(bufferOf(headerAuth.headerAuthTag));
  header.update(EMPTY);
  header.final();

  const clear: Buffer[] = [];
  let clearBytes = 0;
  let readPos = rawHeader.byteLength + headerAuth.headerAuthLength;
  for (let sequenceNumber = 1; ; sequenceNumber++) {
    const frame = decodeBodyHeader(message, headerInfo, readPos);
    if (!frame) throw new MessageError('message body is incomplete');
    // Frames in order from 1: rearranged frames of an unsigned message must not open.
    if (frame.sequenceNumber !== sequenceNumber) throw new MessageError('message frames are out of order');
    const contentEnd = frame.readPos + frame.contentLength;
    const tagEnd = contentEnd + frame.tagLength / 8;
    if (tagEnd > message.byteLength) throw new MessageError('message body is incomplete');
    clearBytes += frame.contentLength;
    if (clearBytes > options.maxBodySize) throw new MessageError('message body exceeds its limit');
    const contentString = aad.messageAADContentString({
      contentType: messageHeader.contentType,
      isFinalFrame: frame.isFinalFrame,
    });
    const frameAad = aad.messageAAD(
      messageHeader.messageId,
      contentString,
      sequenceNumber,
      frame.contentLength,
    );
    const decipher = getDecipher(frame.iv);
    decipher.setAAD(bufferOf(frameAad));
    decipher.setAuthTag(message.subarray(contentEnd, tagEnd));
    clear.push(decipher.update(message.subarray(frame.readPos, contentEnd)));
    // Throws unless the frame authenticates.
    clear.push(decipher.final());
    readPos = tagEnd;
    if (frame.isFinalFrame) break;
  }
  // An unsigned message ends with its final frame: anything after it was not sealed.
  if (readPos !== message.byteLength) throw new MessageError('message has bytes after its final frame');
  return {
    plaintext: Buffer.concat(clear, clearBytes),
    encryptionContext: messageHeader.encryptionContext,
    suiteId: algorithmSuite.id,
  };
}

/**
 * The SDK's `nodeKdf` for a committing suite (material-management-node): HKDF of the data
 * key, salted with the message id, once with the commit label, which must equal the
 * header's commitment, and once with the key label, which is the frames' key. Done with
 * Node's `hkdfSync` over a KeyObject instead of `@aws-crypto/hkdf-node`'s three createHmac
 * calls with a Buffer key: Node 24 checks such a key by catching two exceptions per call,
 * a third of an open's CPU. test/unit/crypto/message.test.ts opens the SDK's own messages.
 */
function derivedKey(
  suite: NodeAlgorithmSuite,
  dataKey: KeyObject,
  messageId: Uint8Array,
  commitment: Uint8Array,
): KeyObject {
  const { kdf, kdfHash, keyLengthBytes, commitmentLength, saltLengthBytes } = suite;
  if (kdf !== 'HKDF' || !kdfHash || !commitmentLength || messageId.byteLength !== saltLengthBytes) {
    throw new MessageError('message suite has no committed key derivation');
  }
  const { keyLabel, commitLabel } = kdfCommitKeyInfo(suite);
  const expected = Buffer.from(hkdfSync(kdfHash, dataKey, messageId, commitLabel, commitmentLength / 8));
  if (commitment.byteLength !== expected.byteLength || !timingSafeEqual(expected, commitment)) {
    throw new MessageError('message key commitment does not match');
  }
  return createSecretKey(Buffer.from(hkdfSync(kdfHash, dataKey, messageId, keyLabel, keyLengthBytes)));
}
