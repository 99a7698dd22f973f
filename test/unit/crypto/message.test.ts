import { randomBytes } from 'node:crypto';
import { buildDecrypt } from '@aws-crypto/decrypt-node';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import {
  AlgorithmSuiteIdentifier,
  CommitmentPolicy,
  NodeAlgorithmSuite,
  NodeDefaultCryptographicMaterialsManager,
} from '@aws-crypto/material-management-node';
import { deserializeFactory } from '@aws-crypto/serialize';
import { describe, expect, it } from 'vitest';
import { createKeyring } from '../../../shared/crypto/keyring.ts';
import { keysOf, MessageError, openMessage } from '../../../shared/crypto/message.ts';

/**
 * openMessage against the Encryption SDK itself: every message the SDK's encrypt writes opens
 * to the plaintext the SDK's decrypt gives, and what the SDK refuses, openMessage refuses.
 */
const SUITE = AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY;
const POLICY = CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT;
const OPTIONS = { suiteId: SUITE, commitmentPolicy: POLICY, maxEncryptedDataKeys: 1, maxBodySize: 1 << 20 };
const CONTEXT = { tenant: 'org-a', resourceType: 'Observation', purpose: 'fhir-resource' };

const keyring = createKeyring({ kind: 'local', dataKey: randomBytes(32) });
const materials = keysOf(new NodeDefaultCryptographicMaterialsManager(keyring));
const { encrypt } = buildEncrypt({ commitmentPolicy: POLICY });
const { decrypt } = buildDecrypt({ commitmentPolicy: POLICY, maxEncryptedDataKeys: 1 });

const seal = async (plaintext: Buffer, frameLength?: number, suiteId = SUITE) =>
  (
    await encrypt(keyring, plaintext, {
      encryptionContext: CONTEXT,
      suiteId,
      ...(frameLength ? { frameLength } : {}),
    })
  ).result;

/** Where the body starts: the bytes after the header and its authentication tag. */
function bodyStart(message: Uint8Array): number {
  const toUtf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
  const info = deserializeFactory(toUtf8, NodeAlgorithmSuite).deserializeMessageHeader(message);
  if (!info) throw new Error('no header');
  return info.rawHeader.byteLength + info.headerAuth.headerAuthLength;
}

describe('openMessage', () => {
  it.each([
    ['empty', 0, undefined],
    ['one byte', 1, undefined],
    ['a frame less one byte', 4095, undefined],
    ['exactly one frame', 4096, undefined],
    ['a frame and one byte', 4097, undefined],
    ['three frames and a bit', 3 * 4096 + 5, undefined],
    ['many small frames', 1000, 64],
    ['frames that end on the final frame boundary', 640, 64],
  ])('opens what the SDK seals: %s', async (_, size, frameLength) => {
    const plaintext = randomBytes(size);
    const message = await seal(plaintext, frameLength);
    const opened = await openMessage(materials, message, OPTIONS);
    const sdk = await decrypt(keyring, message);
    expect(opened.plaintext.equals(plaintext)).toBe(true);
    expect(opened.plaintext.equals(sdk.plaintext)).toBe(true);
    expect(opened.encryptionContext).toEqual(sdk.messageHeader.encryptionContext);
    expect(opened.suiteId).toBe(SUITE);
  });

  it('refuses a message with any single byte changed, as the SDK does', async () => {
    const message = await seal(randomBytes(300), 64);
    const refused: number[] = [];
    const sdkRefused: number[] = [];
    const outcome = (opening: Promise<unknown>) =>
      opening.then(
        () => 'opened',
        () => 'refused',
      );
    for (let position = 0; position < message.length; position++) {
      const changed = Uint8Array.from(message);
      changed[position] = (changed[position] ?? 0) ^ 0x01;
      if ((await outcome(openMessage(materials, changed, OPTIONS))) === 'refused') refused.push(position);
      if ((await outcome(decrypt(keyring, changed))) === 'refused') sdkRefused.push(position);
    }
    expect(sdkRefused).toHaveLength(message.length);
    expect(refused).toHaveLength(message.length);
  });

  it('refuses every truncation of a message', async () => {
    const message = await seal(randomBytes(200), 64);
    for (let length = 0; length < message.length; length++) {
      await expect(
        openMessage(materials, message.subarray(0, length), OPTIONS),
        `${length} bytes`,
      ).rejects.toThrow();
    }
  });

  it('refuses bytes after the final frame, which the SDK passes over on an unsigned message', async () => {
    const message = await seal(randomBytes(100));
    const extended = Buffer.concat([message, Buffer.from([0])]);
    expect((await decrypt(keyring, extended)).plaintext).toHaveLength(100);
    await expect(openMessage(materials, extended, OPTIONS)).rejects.toThrow(
      new MessageError('message has bytes after its final frame'),
    );
  });

  it('refuses two frames exchanged', async () => {
    // Frames of 64 bytes: sequence number (4), IV (12), content (64), tag (16).
    const message = Buffer.from(await seal(randomBytes(200), 64));
    const start = bodyStart(message);
    const frame = 4 + 12 + 64 + 16;
    const swapped = Buffer.concat([
      message.subarray(0, start),
      message.subarray(start + frame, start + 2 * frame),
      message.subarray(start, start + frame),
      message.subarray(start + 2 * frame),
    ]);
    await expect(decrypt(keyring, swapped)).rejects.toThrow();
    await expect(openMessage(materials, swapped, OPTIONS)).rejects.toThrow(
      new MessageError('message frames are out of order'),
    );
  });

  it('refuses a plaintext larger than maxBodySize, whatever its frames', async () => {
    const message = await seal(randomBytes(1000), 64);
    await expect(openMessage(materials, message, { ...OPTIONS, maxBodySize: 999 })).rejects.toThrow(
      new MessageError('message body exceeds its limit'),
    );
    expect((await openMessage(materials, message, { ...OPTIONS, maxBodySize: 1000 })).plaintext).toHaveLength(
      1000,
    );
  });

  it('refuses a message whose key commitment does not match its data key', async () => {
    const message = Buffer.from(await seal(randomBytes(50)));
    const toUtf8 = (bytes: Uint8Array) => Buffer.from(bytes).toString('utf8');
    const info = deserializeFactory(toUtf8, NodeAlgorithmSuite).deserializeMessageHeader(message);
    if (!info || !('suiteData' in info.messageHeader)) throw new Error('no committing header');
    const at = message.indexOf(Buffer.from(info.messageHeader.suiteData));
    message[at] = (message[at] ?? 0) ^ 0x80;
    await expect(openMessage(materials, message, OPTIONS)).rejects.toThrow(
      new MessageError('message key commitment does not match'),
    );
  });

  it.each([
    ['signed', AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384, POLICY],
    [
      'non-committing',
      AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA256,
      CommitmentPolicy.FORBID_ENCRYPT_ALLOW_DECRYPT,
    ],
  ])('refuses a message of another, %s, suite', async (_, suiteId, commitmentPolicy) => {
    const { encrypt: writer } = buildEncrypt({ commitmentPolicy });
    const { result } = await writer(keyring, randomBytes(20), { encryptionContext: CONTEXT, suiteId });
    await expect(openMessage(materials, result, OPTIONS)).rejects.toThrow(
      new MessageError('message was sealed with another algorithm suite'),
    );
  });
});
