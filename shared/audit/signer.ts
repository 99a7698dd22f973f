import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type SignCommandOutput } from '@aws-sdk/client-kms';
import { config } from '../config.ts';
import { kmsClient } from '../crypto/kms.ts';
import { readLocalKeyMaterial } from '../crypto/local-keys.ts';

/**
 * Signs audit digests: KMS `Sign` (ECC_NIST_P256, ECDSA_SHA_256) in AWS, the local P-256
 * key file locally. Both produce DER ECDSA signatures over the SHA-256 of the message, so
 * one verification (with the public key) checks either.
 */
export interface DigestSigner {
  /** Named in every digest: the KMS key ARN, or `local:` and a fingerprint of the public key. */
  readonly keyId: string;
  /** Base64 DER ECDSA signature of SHA-256(message). */
  sign(message: string): Promise<string>;
}

export function localDigestSigner(privatePem: string): DigestSigner {
  const privateKey = createPrivateKey(privatePem);
  return {
    keyId: localKeyId(createPublicKey(privateKey)),
    sign: async (message) => sign('sha256', Buffer.from(message, 'utf8'), privateKey).toString('base64'),
  };
}

/** What the KMS signer needs of a KMS client (a seam for tests). */
export interface KmsSigning {
  send(command: SignCommand): Promise<SignCommandOutput>;
}

export function kmsDigestSigner(keyArn: string, kms: KmsSigning): DigestSigner {
  return {
    keyId: keyArn,
    sign: async (message) => {
      const { Signature } = await kms.send(
        new SignCommand({
          KeyId: keyArn,
          // The digest is signed, not the message: no 4 KB limit, and the same bytes the local key signs.
          Message: createHash('sha256').update(message, 'utf8').digest(),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      );
      if (!Signature) throw new Error('KMS returned no signature');
      return Buffer.from(Signature).toString('base64');
    },
  };
}

export function verifyDigestSignature(publicKey: KeyObject, message: string, signature: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(signature)) return false;
  try {
    return verify('sha256', Buffer.from(message, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

const localKeyId = (publicKey: KeyObject): string =>
  `local:${createHash('sha256')
    .update(publicKey.export({ format: 'der', type: 'spki' }))
    .digest('hex')
    .slice(0, 16)}`;

let signer: DigestSigner | undefined;
let publicKey: Promise<KeyObject> | undefined;

/** The container's signer, from configuration. */
export function digestSigner(): DigestSigner {
  if (!signer) {
    const { keys } = config();
    signer =
      keys.kind === 'local'
        ? localDigestSigner(readLocalKeyMaterial(keys.dir).auditSigningPrivatePem)
        : kmsDigestSigner(keys.signingKeyArn, kmsClient());
  }
  return signer;
}

/** The public half of the signing key (KMS GetPublicKey once per container in AWS). */
export function digestPublicKey(): Promise<KeyObject> {
  if (!publicKey) {
    const { keys } = config();
    publicKey =
      keys.kind === 'local'
        ? Promise.resolve(createPublicKey(readLocalKeyMaterial(keys.dir).auditSigningPublicPem))
        : kmsClient()
            .send(new GetPublicKeyCommand({ KeyId: keys.signingKeyArn }))
            .then(({ PublicKey }) => {
              if (!PublicKey) throw new Error('KMS returned no public key');
              return createPublicKey({ key: Buffer.from(PublicKey), format: 'der', type: 'spki' });
            });
    publicKey.catch(() => {
      publicKey = undefined;
    });
  }
  return publicKey;
}
