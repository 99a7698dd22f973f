import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { SignCommand } from '@aws-sdk/client-kms';
import { describe, expect, it } from 'vitest';
import { kmsDigestSigner, localDigestSigner, verifyDigestSignature } from '../../../shared/audit/signer.ts';

const pair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('digest signatures', () => {
  it('the local key signs digests that its public key verifies, and nothing else', async () => {
    const { privateKey, publicKey } = pair();
    const signer = localDigestSigner(privateKey.export({ format: 'pem', type: 'pkcs8' }).toString());
    const signature = await signer.sign('{"hour":"2001-01-01T00"}');
    expect(signer.keyId).toMatch(/^local:[0-9a-f]{16}$/);
    expect(verifyDigestSignature(publicKey, '{"hour":"2001-01-01T00"}', signature)).toBe(true);
    expect(verifyDigestSignature(publicKey, '{"hour":"2001-01-01T01"}', signature)).toBe(false);
    expect(verifyDigestSignature(pair().publicKey, '{"hour":"2001-01-01T00"}', signature)).toBe(false);
    expect(verifyDigestSignature(publicKey, '{"hour":"2001-01-01T00"}', 'not base64!')).toBe(false);
    expect(verifyDigestSignature(publicKey, '{"hour":"2001-01-01T00"}', 'AAAA')).toBe(false);
  });

  it('KMS signs the SHA-256 of the digest with ECDSA_SHA_256, verifiable with the same public-key check', async () => {
    const { privateKey, publicKey } = pair();
    const sent: SignCommand[] = [];
    const message = '{"hour":"2001-01-01T00"}';
    // A stand-in for KMS: an ECDSA P-256 signature of the message whose SHA-256 was sent, as KMS computes it.
    const kms = {
      send: async (command: SignCommand) => {
        sent.push(command);
        return { $metadata: {}, Signature: new Uint8Array(sign('sha256', Buffer.from(message), privateKey)) };
      },
    };
    const signer = kmsDigestSigner('arn:aws:kms:us-east-1:111122223333:key/k', kms);
    const signature = await signer.sign(message);
    const [command] = sent;
    expect(command).toBeInstanceOf(SignCommand);
    expect(command?.input).toMatchObject({
      KeyId: 'arn:aws:kms:us-east-1:111122223333:key/k',
      MessageType: 'DIGEST',
      SigningAlgorithm: 'ECDSA_SHA_256',
    });
    expect(Buffer.from(command?.input.Message ?? new Uint8Array())).toEqual(
      createHash('sha256').update(message).digest(),
    );
    expect(signer.keyId).toBe('arn:aws:kms:us-east-1:111122223333:key/k');
    expect(verifyDigestSignature(publicKey, message, signature)).toBe(true);
  });
});
