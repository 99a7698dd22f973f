import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { GetPublicKeyCommand, KMSClient, SignCommand } from '@aws-sdk/client-kms';

/**
 * The backend services' token key in KMS (RSA, SIGN_VERIFY): the token function signs with it,
 * the authorizer verifies with its public half. The private key never leaves KMS.
 */

/** Signs a JWS signing input (`header.payload`), answering the raw signature bytes. */
export type JwsSigner = (signingInput: Uint8Array) => Promise<Uint8Array>;

/** RS384 is RSASSA-PKCS1-v1_5 with SHA-384: KMS signs the digest, the JWS signature is its answer as is. */
export const kmsRs384Signer =
  (kms: Pick<KMSClient, 'send'>, keyArn: string): JwsSigner =>
  async (signingInput) => {
    const answer = await kms.send(
      new SignCommand({
        KeyId: keyArn,
        Message: createHash('sha384').update(signingInput).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_384',
      }),
    );
    if (!answer.Signature) throw new Error('KMS answered Sign without a signature');
    return answer.Signature;
  };

/** The key's public half (DER SubjectPublicKeyInfo from kms:GetPublicKey). */
export async function kmsPublicKey(kms: Pick<KMSClient, 'send'>, keyArn: string): Promise<KeyObject> {
  const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyArn }));
  if (!answer.PublicKey) throw new Error('KMS answered GetPublicKey without a key');
  return createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
}

/** A `kid` for the key that names it without revealing the account's key ARN. */
export const tokenKeyId = (keyArn: string): string =>
  createHash('sha256').update(keyArn).digest('base64url').slice(0, 16);

/** A KMS client of its own for the SMART functions, which are not given the routes' configuration. */
export const regionalKms = (region: string): KMSClient => new KMSClient({ region, maxAttempts: 3 });

/** The public key, fetched once per container; a failed fetch is tried again by the next call. */
export function cachedPublicKey(kms: Pick<KMSClient, 'send'>, keyArn: string): () => Promise<KeyObject> {
  let key: Promise<KeyObject> | undefined;
  return () => {
    key ??= kmsPublicKey(kms, keyArn).catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}
