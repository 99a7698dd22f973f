import { randomUUID } from 'node:crypto';
import { chmod, link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import type { ArchiveSource } from './verify.ts';

/**
 * The access log's anchor outside the table: a write-once copy of every item, written by
 * the stream consumer (stream.ts) as items are written. Two implementations of one
 * interface: S3 with Object Lock in compliance mode (AWS), files that are created once and
 * made read-only (the local gateway's data dir).
 *
 * Names: `items/<pk>/<sk>.json` holds an item's canonical form (canonical.ts
 * canonicalImage) as first written; `changes/<pk>/<sk>/<sequence>-<MODIFY|REMOVE>.json`
 * records each later change with its old and new image. Key parts are URI-encoded.
 */
export interface ArchiveWriter {
  /** Creates `name` with `text` unless it exists; never replaces anything. */
  create(name: string, text: string): Promise<'created' | 'exists'>;
}

const part = (value: string): string => encodeURIComponent(value);
export const itemName = (pk: string, sk: string): string => `items/${part(pk)}/${part(sk)}.json`;
export const changeName = (pk: string, sk: string, sequence: string, change: 'MODIFY' | 'REMOVE'): string =>
  `changes/${part(pk)}/${part(sk)}/${sequence.padStart(40, '0')}-${change}.json`;

export class ArchiveError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ArchiveError';
  }
}

/** The local archive: one file per name under `dir`, created exclusively and then read-only. */
export function localArchive(dir: string): ArchiveWriter & ArchiveSource {
  return {
    async create(name, text) {
      const path = join(dir, name);
      await mkdir(dirname(path), { recursive: true });
      // Written whole under a temporary name, then linked into place: a reader (or a crash)
      // never meets a half-written copy, and link() refuses to replace an existing one.
      const pending = `${path}.${randomUUID()}.tmp`;
      try {
        await writeFile(pending, text, { flag: 'wx', mode: 0o444 });
        await chmod(pending, 0o444);
        await link(pending, path);
      } catch (error) {
        if (error instanceof Error && 'code' in error && error.code === 'EEXIST') return 'exists';
        throw new ArchiveError(`cannot archive ${name}`, { cause: error });
      } finally {
        await rm(pending, { force: true });
      }
      return 'created';
    },
    async partition(pk) {
      const folder = join(dir, 'items', part(pk));
      const items = new Map<string, string>();
      let names: string[];
      try {
        names = await readdir(folder);
      } catch {
        return items;
      }
      for (const name of names) {
        if (!name.endsWith('.json')) continue;
        items.set(
          decodeURIComponent(name.slice(0, -'.json'.length)),
          await readFile(join(folder, name), 'utf8'),
        );
      }
      return items;
    },
  };
}

/**
 * The S3 archive: PutObject with `If-None-Match: *`, so an existing object is never
 * replaced (Object Lock would keep the old version anyway); the bucket's default retention
 * locks each object in compliance mode.
 */
export function s3Archive(bucket: string, client: Pick<S3Client, 'send'>): ArchiveWriter {
  return {
    async create(name, text) {
      try {
        await client.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: name,
            Body: text,
            ContentType: 'application/json',
            IfNoneMatch: '*',
          }),
        );
        return 'created';
      } catch (error) {
        if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 412) return 'exists';
        throw new ArchiveError(`cannot archive ${name}`, { cause: error });
      }
    },
  };
}

let s3: S3Client | undefined;
export const s3Client = (region: string): S3Client => {
  s3 ??= new S3Client({ region, maxAttempts: 3 });
  return s3;
};
