import { createHmac, randomBytes } from 'node:crypto';
import {
  type GenerateMacCommandOutput,
  KMSClient,
  KMSInvalidMacException,
  KMSServiceException,
  type ServiceOutputTypes,
} from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { createKmsBlindIndexer, createLocalBlindIndexer } from '../../../shared/crypto/blind-index.ts';
import { KeyServiceError } from '../../../shared/crypto/errors.ts';

const KEY_ARN = 'arn:aws:kms:eu-west-1:111122223333:key/00000000-0000-0000-0000-000000000001';

describe('local blind indexer', () => {
  const indexKey = randomBytes(32);
  const indexer = createLocalBlindIndexer(indexKey);

  it('gives the same token for the same field and value', async () => {
    expect(await indexer.token('org-1', 'Patient.family', 'garcia')).toBe(
      await indexer.token('org-1', 'Patient.family', 'garcia'),
    );
  });

  it('is an HMAC-SHA256 of field, NUL and value under the organization key, in base64url', async () => {
    const orgKey = createHmac('sha256', indexKey).update('org-index:org-1').digest();
    const expected = createHmac('sha256', orgKey).update('Patient.family\u0000garcia').digest('base64url');
    expect(await indexer.token('org-1', 'Patient.family', 'garcia')).toBe(expected);
  });

  it('gives different tokens for the same value in different organizations', async () => {
    expect(await indexer.token('org-1', 'Patient.family', 'garcia')).not.toBe(
      await indexer.token('org-2', 'Patient.family', 'garcia'),
    );
  });

  it('gives different tokens for the same value in different fields', async () => {
    expect(await indexer.token('org-1', 'Patient.family', 'garcia')).not.toBe(
      await indexer.token('org-1', 'Patient.given', 'garcia'),
    );
  });

  it('gives different tokens under different index keys', async () => {
    const other = createLocalBlindIndexer(randomBytes(32));
    expect(await indexer.token('org-1', 'Patient.family', 'garcia')).not.toBe(
      await other.token('org-1', 'Patient.family', 'garcia'),
    );
  });

  it('does not contain the value, in clear or base64url', async () => {
    const token = await indexer.token('org-1', 'Patient.family', 'garcia');
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toContain('garcia');
    expect(token).not.toContain(Buffer.from('garcia').toString('base64url'));
  });

  it('refuses field names that could collide with the MAC message format', async () => {
    await expect(indexer.token('org-1', 'mac:cursor', 'x')).rejects.toThrow(TypeError);
    await expect(indexer.token('org-1', 'a\u0000b', 'x')).rejects.toThrow(TypeError);
  });

  it('verifies its own MAC and refuses a MAC for other data, another purpose or a tampered MAC', async () => {
    const mac = await indexer.mac('cursor', 'Patient#p1#2024');
    expect(await indexer.verifyMac('cursor', 'Patient#p1#2024', mac)).toBe(true);
    expect(await indexer.verifyMac('cursor', 'Patient#p2#2024', mac)).toBe(false);
    expect(await indexer.verifyMac('export', 'Patient#p1#2024', mac)).toBe(false);
    const tampered = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(await indexer.verifyMac('cursor', 'Patient#p1#2024', tampered)).toBe(false);
    expect(await indexer.verifyMac('cursor', 'Patient#p1#2024', 'short')).toBe(false);
  });

  it('keeps MACs apart from blind index tokens', async () => {
    expect(await indexer.mac('cursor', 'x')).not.toBe(await indexer.token('org-1', 'cursor', 'x'));
  });
});

/**
 * A real KMSClient whose requests are answered by a middleware before any network I/O: it
 * computes real HMACs with a key it holds, as KMS would, or fails as told.
 */
function fakeKmsHmac(fail?: () => Error) {
  const hmacKey = randomBytes(32);
  const calls: string[] = [];
  const client = new KMSClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake' },
  });
  const hmac = (message: Uint8Array | undefined) =>
    new Uint8Array(
      createHmac('sha256', hmacKey)
        .update(message ?? new Uint8Array())
        .digest(),
    );
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      calls.push(context.commandName ?? '');
      if (fail) throw fail();
      const output = answer(args.input);
      return { output, response: {} };
    },
    { step: 'initialize', name: 'fakeKmsHmac' },
  );
  function answer(input: object): ServiceOutputTypes {
    if ('Mac' in input && input.Mac instanceof Uint8Array && 'Message' in input) {
      const expected = hmac(input.Message instanceof Uint8Array ? input.Message : undefined);
      if (Buffer.compare(Buffer.from(expected), Buffer.from(input.Mac)) !== 0) {
        throw new KMSInvalidMacException({ message: 'invalid MAC', $metadata: {} });
      }
      return { $metadata: {}, KeyId: KEY_ARN, MacValid: true, MacAlgorithm: 'HMAC_SHA_256' };
    }
    const message = 'Message' in input && input.Message instanceof Uint8Array ? input.Message : undefined;
    const output: GenerateMacCommandOutput = {
      $metadata: {},
      KeyId: KEY_ARN,
      Mac: hmac(message),
      MacAlgorithm: 'HMAC_SHA_256',
    };
    return output;
  }
  return { client, calls };
}

describe('KMS blind indexer', () => {
  it('asks KMS once per organization for its key, then computes tokens locally', async () => {
    const kms = fakeKmsHmac();
    const indexer = createKmsBlindIndexer({ keyArn: KEY_ARN, kmsClient: kms.client });
    const [first] = await Promise.all([
      indexer.token('org-1', 'Patient.family', 'garcia'),
      indexer.token('org-1', 'Patient.given', 'ana'),
    ]);
    for (let i = 0; i < 50; i++) expect(await indexer.token('org-1', 'Patient.family', 'garcia')).toBe(first);
    expect(await indexer.token('org-1', 'Patient.given', 'garcia')).not.toBe(first);
    expect(await indexer.token('org-2', 'Patient.family', 'garcia')).not.toBe(first);
    expect(kms.calls).toEqual(['GenerateMacCommand', 'GenerateMacCommand']);
  });

  it('forgets the least recently used organization key when the cache is full', async () => {
    const kms = fakeKmsHmac();
    const indexer = createKmsBlindIndexer({ keyArn: KEY_ARN, kmsClient: kms.client, cacheSize: 2 });
    await indexer.token('org-a', 'f', 'x');
    await indexer.token('org-b', 'f', 'x');
    await indexer.token('org-a', 'f', 'y'); // org-a becomes the most recent
    await indexer.token('org-c', 'f', 'x'); // evicts org-b
    await indexer.token('org-a', 'f', 'z');
    expect(kms.calls).toHaveLength(3);
    await indexer.token('org-b', 'f', 'x');
    expect(kms.calls).toHaveLength(4);
  });

  it('verifies MACs with KMS VerifyMac and answers false for a wrong MAC', async () => {
    const kms = fakeKmsHmac();
    const indexer = createKmsBlindIndexer({ keyArn: KEY_ARN, kmsClient: kms.client });
    const mac = await indexer.mac('cursor', 'page-2');
    expect(await indexer.verifyMac('cursor', 'page-2', mac)).toBe(true);
    expect(await indexer.verifyMac('cursor', 'page-3', mac)).toBe(false);
    expect(kms.calls).toEqual(['GenerateMacCommand', 'VerifyMacCommand', 'VerifyMacCommand']);
  });

  it.each([
    [
      'throttling',
      () => new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: {} }),
    ],
    [
      'access denied',
      () => new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', $metadata: {} }),
    ],
    ['a network failure', () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
  ])('turns %s into a KeyServiceError that keeps the cause', async (_, fail) => {
    const indexer = createKmsBlindIndexer({ keyArn: KEY_ARN, kmsClient: fakeKmsHmac(fail).client });
    const error = await indexer.token('org-1', 'Patient.family', 'garcia').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyServiceError);
    expect(error).toHaveProperty('cause');
    expect(String(error)).not.toContain('garcia');
    await expect(indexer.verifyMac('cursor', 'x', 'A'.repeat(43))).rejects.toBeInstanceOf(KeyServiceError);
  });
});
