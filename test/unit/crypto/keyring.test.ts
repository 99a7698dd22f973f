import { randomBytes } from 'node:crypto';
import {
  InvalidCiphertextException,
  KMSClient,
  KMSServiceException,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createEnvelope, type RecordRef } from '../../../shared/crypto/envelope.ts';
import { DecryptError, KeyMaterialError, KeyServiceError } from '../../../shared/crypto/errors.ts';
import { createKeyring } from '../../../shared/crypto/keyring.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000001';
const ref: RecordRef = { tenant: 'org-a', resourceType: 'Patient', id: 'p-1', versionId: 1 };
const patient = { resourceType: 'Patient', name: [{ family: 'Garcia' }] };

type Failure = (commandName: string) => Error | undefined;

/**
 * A real KMSClient answered by a middleware before any network I/O. It keeps the data keys
 * it generates, bound to their encryption context as KMS does, and fails when told to.
 */
function fakeKms() {
  const dataKeys = new Map<string, { plaintext: Buffer; context: string }>();
  const calls: string[] = [];
  const state: { fail: Failure } = { fail: () => undefined };
  const client = new KMSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
  });
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const command = context.commandName ?? '';
      calls.push(command);
      const failure = state.fail(command);
      if (failure) throw failure;
      return { output: answer(command, args.input), response: {} };
    },
    { step: 'initialize', name: 'fakeKms' },
  );

  function answer(command: string, input: object): ServiceOutputTypes {
    const encryptionContext = 'EncryptionContext' in input ? input.EncryptionContext : undefined;
    const context = JSON.stringify(Object.entries(encryptionContext ?? {}).sort());
    if (command === 'GenerateDataKeyCommand') {
      const plaintext = randomBytes(32);
      const ciphertextBlob = randomBytes(64);
      // The Encryption SDK zeroes the Plaintext it receives: keep our own copy.
      dataKeys.set(ciphertextBlob.toString('base64'), { plaintext: Buffer.from(plaintext), context });
      return { $metadata: {}, KeyId: KEY_ARN, Plaintext: plaintext, CiphertextBlob: ciphertextBlob };
    }
    if (
      command === 'DecryptCommand' &&
      'CiphertextBlob' in input &&
      input.CiphertextBlob instanceof Uint8Array
    ) {
      const dataKey = dataKeys.get(Buffer.from(input.CiphertextBlob).toString('base64'));
      if (!dataKey || dataKey.context !== context) {
        throw new InvalidCiphertextException({ message: 'invalid ciphertext', $metadata: {} });
      }
      return { $metadata: {}, KeyId: KEY_ARN, Plaintext: Buffer.from(dataKey.plaintext) };
    }
    throw new Error(`the fake KMS does not answer ${command}`);
  }

  return { client, calls, state };
}

const throttling = () =>
  new KMSServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });
const accessDenied = () =>
  new KMSServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: {},
    message: 'denied',
  });
const networkFailure = () => Object.assign(new Error('connect ETIMEDOUT'), { code: 'ETIMEDOUT' });

describe('local keyring', () => {
  it('leaves the caller’s data key intact, so two keyrings from one key read each other’s payloads', async () => {
    const dataKey = randomBytes(32);
    const copy = Buffer.from(dataKey);
    const writer = createEnvelope(createKeyring({ kind: 'local', dataKey }));
    const reader = createEnvelope(createKeyring({ kind: 'local', dataKey }));
    expect(dataKey.equals(copy)).toBe(true);
    expect(await reader.open(ref, await writer.seal(ref, patient))).toEqual(patient);
  });

  it('refuses a data key of the wrong length or of zeros', () => {
    expect(() => createKeyring({ kind: 'local', dataKey: randomBytes(16) })).toThrow(KeyMaterialError);
    expect(() => createKeyring({ kind: 'local', dataKey: Buffer.alloc(32) })).toThrow(KeyMaterialError);
  });
});

describe('KMS keyring', () => {
  it('seals and opens 200 records with one GenerateDataKey and one Decrypt call', async () => {
    const kms = fakeKms();
    const keyring = createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client });
    const envelope = createEnvelope(keyring);
    const refs = Array.from({ length: 200 }, (_, i) => ({ ...ref, id: `p-${i}` }));
    const sealed = await Promise.all(refs.map((each) => envelope.seal(each, patient)));
    for (const [i, each] of refs.entries()) {
      expect(await envelope.open(each, sealed[i] ?? new Uint8Array())).toEqual(patient);
    }
    expect(kms.calls).toEqual(['GenerateDataKeyCommand', 'DecryptCommand']);
    expect(keyring.stats()).toEqual({ wraps: 1, unwraps: 1 });
  });

  it.each([
    ['throttling', throttling],
    ['AccessDenied', accessDenied],
    ['a network timeout', networkFailure],
  ])('turns %s on GenerateDataKey into a KeyServiceError that keeps the cause', async (_, failure) => {
    const kms = fakeKms();
    kms.state.fail = () => failure();
    const envelope = createEnvelope(createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }));
    const error = await envelope.seal(ref, patient).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyServiceError);
    expect(error).toHaveProperty('cause');
    expect(String(error)).not.toContain('Garcia');
  });

  it.each([
    ['throttling', throttling],
    ['AccessDenied', accessDenied],
    ['a network timeout', networkFailure],
  ])('turns %s on Decrypt into a KeyServiceError, not a DecryptError', async (_, failure) => {
    const kms = fakeKms();
    const sealed = await createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }),
    ).seal(ref, patient);
    kms.state.fail = (command) => (command === 'DecryptCommand' ? failure() : undefined);
    const coldContainer = createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }),
    );
    const error = await coldContainer.open(ref, sealed).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyServiceError);
    expect(error instanceof Error && error.cause instanceof Error && error.cause.message).toBe(
      failure().message,
    );
  });

  it('asks KMS again after a failed Decrypt, and opens then: a failure is not remembered', async () => {
    const kms = fakeKms();
    const sealed = await createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }),
    ).seal(ref, patient);
    let failures = 1;
    kms.state.fail = (command) => (command === 'DecryptCommand' && failures-- > 0 ? throttling() : undefined);
    const reader = createEnvelope(createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }));
    await expect(reader.open(ref, sealed)).rejects.toBeInstanceOf(KeyServiceError);
    expect(await reader.open(ref, sealed)).toEqual(patient);
    expect(kms.calls.filter((call) => call === 'DecryptCommand')).toHaveLength(2);
  });

  it('answers a data key that KMS calls invalid ciphertext with a DecryptError', async () => {
    const kms = fakeKms();
    const sealed = await createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }),
    ).seal(ref, patient);
    const otherKms = fakeKms(); // knows none of the first one's data keys
    const reader = createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: otherKms.client }),
    );
    await expect(reader.open(ref, sealed)).rejects.toBeInstanceOf(DecryptError);
    expect(otherKms.calls).toEqual(['DecryptCommand']);
  });

  it('answers a payload wrapped by another KMS key with a DecryptError, without calling KMS', async () => {
    const kms = fakeKms();
    const sealed = await createEnvelope(
      createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }),
    ).seal(ref, patient);
    const otherKey = KEY_ARN.replace(/1$/, '2');
    const reader = createEnvelope(createKeyring({ kind: 'kms', keyArn: otherKey, kmsClient: kms.client }));
    await expect(reader.open(ref, sealed)).rejects.toBeInstanceOf(DecryptError);
    expect(kms.calls).toEqual(['GenerateDataKeyCommand']);
  });

  it('answers a payload sealed with the local keyring with a DecryptError', async () => {
    const sealed = await createEnvelope(createKeyring({ kind: 'local', dataKey: randomBytes(32) })).seal(
      ref,
      patient,
    );
    const kms = fakeKms();
    const reader = createEnvelope(createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }));
    await expect(reader.open(ref, sealed)).rejects.toBeInstanceOf(DecryptError);
  });

  it('recovers once KMS answers again: a failure is not cached', async () => {
    const kms = fakeKms();
    kms.state.fail = () => throttling();
    const envelope = createEnvelope(createKeyring({ kind: 'kms', keyArn: KEY_ARN, kmsClient: kms.client }));
    await expect(envelope.seal(ref, patient)).rejects.toBeInstanceOf(KeyServiceError);
    kms.state.fail = () => undefined;
    expect(await envelope.open(ref, await envelope.seal(ref, patient))).toEqual(patient);
  });
});
