import { randomUUID } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigError, config } from '../config.ts';

/**
 * Where Binary bodies are kept, sealed by the records' envelope (shared/crypto/runtime.ts
 * binaryEnvelope): too large for an item, so in S3 (AWS: the data stack's private, KMS-encrypted,
 * TLS-only bucket) or in files under the data dir (local). One object per Binary version, written
 * once, never listed, replaced or deleted by the API. Two implementations of one interface.
 */
export interface BinaryStore {
  put(name: string, sealed: Uint8Array): Promise<void>;
  /** The sealed body, or undefined when there is none under `name`. */
  get(name: string): Promise<Uint8Array | undefined>;
}

/** `<org>/Binary/<id>/<versionId>`: the object of one version (the org URI-encoded). */
export const binaryObjectName = (org: string, id: string, versionId: number): string =>
  `${encodeURIComponent(org)}/Binary/${id}/${versionId}`;

export function localBinaryStore(dir: string): BinaryStore {
  return {
    async put(name, sealed) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      // Written whole under a temporary name, then linked into place: a reader never meets half a body.
      const pending = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(pending, sealed, { flag: 'wx', mode: 0o600 });
        await link(pending, path);
      } finally {
        await rm(pending, { force: true });
      }
    },
    async get(name) {
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
        throw error;
      }
    },
  };
}

export function s3BinaryStore(bucket: string, client: Pick<S3Client, 'send'>): BinaryStore {
  return {
    async put(name, sealed) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: name,
          Body: sealed,
          ContentType: 'application/octet-stream',
          // A version's body is written once: never replace one.
          IfNoneMatch: '*',
        }),
      );
    },
    async get(name) {
      try {
        const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: name }));
        return object.Body ? await object.Body.transformToByteArray() : undefined;
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
  };
}

let store: BinaryStore | undefined;

/** The container's store, from configuration (BINARY_DIR locally, BINARY_BUCKET in AWS). */
export function binaryStore(): BinaryStore {
  if (!store) {
    const { BINARY_DIR, BINARY_BUCKET, AWS_REGION } = config();
    if (BINARY_DIR) store = localBinaryStore(BINARY_DIR);
    else if (BINARY_BUCKET)
      store = s3BinaryStore(BINARY_BUCKET, new S3Client({ region: AWS_REGION, maxAttempts: 3 }));
    else throw new ConfigError('no Binary store is configured (BINARY_DIR or BINARY_BUCKET)');
  }
  return store;
}

/** For fault-injection tests: replace (or reset with undefined) the container's store. */
export function setBinaryStore(replacement: BinaryStore | undefined): void {
  store = replacement;
}
