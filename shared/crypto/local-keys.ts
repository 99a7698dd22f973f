import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { KeyMaterialError } from './errors.ts';

const FILES = {
  dataKey: 'data.key',
  indexKey: 'index.key',
  issuerPrivateJwk: 'issuer.private.jwk.json',
  issuerPublicJwk: 'issuer.public.jwk.json',
  auditSigningPrivatePem: 'audit-signing.private.pem',
  auditSigningPublicPem: 'audit-signing.public.pem',
} as const;

const SYMMETRIC_KEY_BYTES = 32;

const base64url = z.string().check(z.regex(/^[A-Za-z0-9_-]+$/));

const issuerPublicJwk = z.object({
  kty: z.literal('EC'),
  crv: z.literal('P-256'),
  x: base64url,
  y: base64url,
  kid: z.string().check(z.minLength(8)),
  alg: z.literal('ES256'),
  use: z.literal('sig'),
});
const issuerPrivateJwk = z.object({ ...issuerPublicJwk.shape, d: base64url });

export type IssuerPublicJwk = z.infer<typeof issuerPublicJwk>;
export type IssuerPrivateJwk = z.infer<typeof issuerPrivateJwk>;

export type LocalKeyMaterial = {
  /** Raw AES-256 key that wraps data keys (the local stand-in for the KMS key). */
  dataKey: Buffer;
  /** HMAC-SHA256 key for blind indexes and cursor MACs; never the data key. */
  indexKey: Buffer;
  issuerPrivateJwk: IssuerPrivateJwk;
  issuerPublicJwk: IssuerPublicJwk;
  auditSigningPrivatePem: string;
  auditSigningPublicPem: string;
};

/**
 * Creates the local key material under `dir`, file by file and only where a file is missing,
 * so a second call (or a second process racing the first) changes nothing. Each file is
 * written to a temporary file in the same directory and then linked into place, which is
 * atomic and never replaces an existing key: a crash leaves either no file or a whole one.
 */
export function ensureLocalKeyMaterial(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  createIfAbsent(dir, FILES.dataKey, () => randomBytes(SYMMETRIC_KEY_BYTES));
  createIfAbsent(dir, FILES.indexKey, () => randomBytes(SYMMETRIC_KEY_BYTES));

  const issuerCreated = createIfAbsent(dir, FILES.issuerPrivateJwk, () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'ES256', use: 'sig' };
    return Buffer.from(`${JSON.stringify(jwk, null, 2)}\n`);
  });
  // The public half is derived from the private file on disk, so a crash between the two
  // writes heals on the next call instead of leaving a pair that does not match.
  writePublicHalf(dir, FILES.issuerPublicJwk, issuerCreated, () => {
    const { d: _private, ...publicJwk } = readIssuerPrivateJwk(dir);
    return Buffer.from(`${JSON.stringify(publicJwk, null, 2)}\n`);
  });

  const auditCreated = createIfAbsent(dir, FILES.auditSigningPrivatePem, () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    return Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' }));
  });
  writePublicHalf(dir, FILES.auditSigningPublicPem, auditCreated, () => {
    const privatePem = readText(dir, FILES.auditSigningPrivatePem);
    return Buffer.from(createPublicKey(privatePem).export({ format: 'pem', type: 'spki' }));
  });
}

/** Reads and validates the key material; errors name the file, never its content. */
export function readLocalKeyMaterial(dir: string): LocalKeyMaterial {
  const issuerPrivate = readIssuerPrivateJwk(dir);
  const issuerPublic = parseJson(dir, FILES.issuerPublicJwk, issuerPublicJwk);
  if (
    issuerPublic.x !== issuerPrivate.x ||
    issuerPublic.y !== issuerPrivate.y ||
    issuerPublic.kid !== issuerPrivate.kid
  ) {
    throw new KeyMaterialError(`${FILES.issuerPublicJwk} does not match ${FILES.issuerPrivateJwk}`);
  }
  const auditPrivatePem = readText(dir, FILES.auditSigningPrivatePem);
  const auditPublicPem = readText(dir, FILES.auditSigningPublicPem);
  assertP256Pair(auditPrivatePem, auditPublicPem);
  return {
    dataKey: readSymmetricKey(dir, FILES.dataKey),
    indexKey: readSymmetricKey(dir, FILES.indexKey),
    issuerPrivateJwk: issuerPrivate,
    issuerPublicJwk: issuerPublic,
    auditSigningPrivatePem: auditPrivatePem,
    auditSigningPublicPem: auditPublicPem,
  };
}

function readIssuerPrivateJwk(dir: string): IssuerPrivateJwk {
  return parseJson(dir, FILES.issuerPrivateJwk, issuerPrivateJwk);
}

function readBytes(dir: string, file: string): Buffer {
  try {
    return readFileSync(join(dir, file));
  } catch (error) {
    // fs errors carry the path and an errno, never the file's bytes: safe to keep as cause.
    throw new KeyMaterialError(`${file} cannot be read from the key directory`, { cause: error });
  }
}

function readText(dir: string, file: string): string {
  return readBytes(dir, file).toString('utf8');
}

function readSymmetricKey(dir: string, file: string): Buffer {
  const key = readBytes(dir, file);
  if (key.length !== SYMMETRIC_KEY_BYTES) {
    throw new KeyMaterialError(`${file} must hold exactly ${SYMMETRIC_KEY_BYTES} bytes`);
  }
  return key;
}

function parseJson<T>(dir: string, file: string, schema: z.ZodMiniType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(readText(dir, file));
  } catch (error) {
    if (error instanceof KeyMaterialError) throw error;
    // No cause: V8's JSON.parse message quotes the text around the fault, i.e. key bytes.
    throw new KeyMaterialError(`${file} is not valid JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(root)'))];
    throw new KeyMaterialError(`${file} is not a P-256 ES256 signing JWK (check: ${fields.join(', ')})`);
  }
  return parsed.data;
}

function assertP256Pair(privatePem: string, publicPem: string): void {
  let derivedPublic: string;
  let publicKey: ReturnType<typeof createPublicKey>;
  try {
    const privateKey = createPrivateKey(privatePem);
    if (privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('not P-256');
    derivedPublic = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  } catch {
    throw new KeyMaterialError(`${FILES.auditSigningPrivatePem} is not a P-256 private key in PEM`);
  }
  try {
    publicKey = createPublicKey(publicPem);
  } catch {
    throw new KeyMaterialError(`${FILES.auditSigningPublicPem} is not a public key in PEM`);
  }
  if (publicKey.export({ format: 'pem', type: 'spki' }).toString() !== derivedPublic) {
    throw new KeyMaterialError(
      `${FILES.auditSigningPublicPem} does not match ${FILES.auditSigningPrivatePem}`,
    );
  }
}

/** Writes the public half if it is missing, or replaces it when its private half was just created. */
function writePublicHalf(
  dir: string,
  file: string,
  privateJustCreated: boolean,
  content: () => Buffer,
): void {
  if (privateJustCreated) {
    const temporary = writeTemporary(dir, file, content());
    renameSync(temporary, join(dir, file));
    syncDirectory(dir);
  } else {
    createIfAbsent(dir, file, content);
  }
}

/** Returns true when this call created the file. */
function createIfAbsent(dir: string, file: string, content: () => Buffer): boolean {
  const target = join(dir, file);
  if (existsSync(target)) return false;
  const temporary = writeTemporary(dir, file, content());
  try {
    linkSync(temporary, target);
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return false;
    if (!isErrno(error, 'EPERM') && !isErrno(error, 'ENOTSUP') && !isErrno(error, 'ENOSYS')) throw error;
    // Filesystems without hard links: rename is still atomic, the window for a racing
    // creator is the gap since existsSync above.
    if (existsSync(target)) return false;
    renameSync(temporary, target);
    syncDirectory(dir);
    return true;
  } finally {
    if (existsSync(temporary)) unlinkSync(temporary);
  }
  syncDirectory(dir);
  return true;
}

function writeTemporary(dir: string, file: string, content: Buffer): string {
  const temporary = join(dir, `.${file}.${randomUUID()}.tmp`);
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(temporary, 0o600); // independent of the process umask
  return temporary;
}

function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename itself is still atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
}
