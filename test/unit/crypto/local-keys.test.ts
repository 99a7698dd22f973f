import { createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyMaterialError } from '../../../shared/crypto/errors.ts';
import { ensureLocalKeyMaterial, readLocalKeyMaterial } from '../../../shared/crypto/local-keys.ts';

const FILES = [
  'data.key',
  'index.key',
  'issuer.private.jwk.json',
  'issuer.public.jwk.json',
  'audit-signing.private.pem',
  'audit-signing.public.pem',
];

const made: string[] = [];
function keyDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'records-keys-'));
  made.push(parent);
  return join(parent, 'keys');
}
afterEach(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir).map((file) => [file, readFileSync(join(dir, file)).toString('base64')]),
  );
}

describe('local key material', () => {
  it('creates every key file, readable by the owner only, in a 0700 directory', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    expect(readdirSync(dir).sort()).toEqual([...FILES].sort());
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of FILES) expect(statSync(join(dir, file)).mode & 0o777, file).toBe(0o600);
  });

  it('changes nothing on a second call', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    const before = snapshot(dir);
    const modified = FILES.map((file) => statSync(join(dir, file)).mtimeMs);
    ensureLocalKeyMaterial(dir);
    expect(snapshot(dir)).toEqual(before);
    expect(FILES.map((file) => statSync(join(dir, file)).mtimeMs)).toEqual(modified);
  });

  it('reads back 32-byte keys, an ES256 issuer pair with a kid, and a P-256 audit pair that verify each other', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    const keys = readLocalKeyMaterial(dir);
    expect(keys.dataKey).toHaveLength(32);
    expect(keys.indexKey).toHaveLength(32);
    expect(keys.dataKey.equals(keys.indexKey)).toBe(false);
    expect(keys.issuerPublicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys.issuerPublicJwk.kid).toBe(keys.issuerPrivateJwk.kid);
    expect(keys.issuerPublicJwk).not.toHaveProperty('d');

    const issuerSignature = createSign('sha256')
      .update('claims')
      .sign(createPrivateKey({ key: keys.issuerPrivateJwk, format: 'jwk' }));
    expect(
      createVerify('sha256')
        .update('claims')
        .verify(createPublicKey({ key: keys.issuerPublicJwk, format: 'jwk' }), issuerSignature),
    ).toBe(true);
    const auditSignature = createSign('sha256').update('digest').sign(keys.auditSigningPrivatePem);
    expect(createVerify('sha256').update('digest').verify(keys.auditSigningPublicPem, auditSignature)).toBe(
      true,
    );
  });

  it('gives each directory its own keys', () => {
    const first = keyDir();
    const second = keyDir();
    ensureLocalKeyMaterial(first);
    ensureLocalKeyMaterial(second);
    const a = readLocalKeyMaterial(first);
    const b = readLocalKeyMaterial(second);
    expect(a.dataKey.equals(b.dataKey)).toBe(false);
    expect(a.issuerPublicJwk.kid).not.toBe(b.issuerPublicJwk.kid);
  });

  it('re-derives a missing public half from the private key instead of making a new pair', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    const before = snapshot(dir);
    unlinkSync(join(dir, 'issuer.public.jwk.json'));
    unlinkSync(join(dir, 'audit-signing.public.pem'));
    ensureLocalKeyMaterial(dir);
    expect(snapshot(dir)).toEqual(before);
  });

  it('leaves no temporary files behind', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    ensureLocalKeyMaterial(dir);
    expect(readdirSync(dir).filter((file) => file.endsWith('.tmp'))).toEqual([]);
  });

  it('names a missing file in a KeyMaterialError', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    unlinkSync(join(dir, 'index.key'));
    expect(() => readLocalKeyMaterial(dir)).toThrow(KeyMaterialError);
    expect(() => readLocalKeyMaterial(dir)).toThrow(/index\.key/);
  });

  it('names a short key file without showing its bytes', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    const short = Buffer.from('0123456789abcdef');
    writeFileSync(join(dir, 'data.key'), short);
    const error = catchError(() => readLocalKeyMaterial(dir));
    expect(error).toBeInstanceOf(KeyMaterialError);
    expect(error.message).toMatch(/data\.key/);
    expect(describeFully(error)).not.toContain('0123456789abcdef');
    expect(describeFully(error)).not.toContain(short.toString('base64'));
  });

  it('names a broken JWK without showing its content', () => {
    const dir = keyDir();
    ensureLocalKeyMaterial(dir);
    const path = join(dir, 'issuer.private.jwk.json');
    const secret = readLocalKeyMaterial(dir).issuerPrivateJwk.d;
    writeFileSync(path, readFileSync(path, 'utf8').replace('"kty"', 'kty'));
    const invalidJson = catchError(() => readLocalKeyMaterial(dir));
    expect(invalidJson).toBeInstanceOf(KeyMaterialError);
    expect(invalidJson.message).toMatch(/issuer\.private\.jwk\.json/);
    expect(describeFully(invalidJson)).not.toContain(secret);

    writeFileSync(path, JSON.stringify({ kty: 'EC', crv: 'P-384', d: secret }));
    const wrongShape = catchError(() => readLocalKeyMaterial(dir));
    expect(wrongShape).toBeInstanceOf(KeyMaterialError);
    expect(wrongShape.message).toMatch(/issuer\.private\.jwk\.json/);
    expect(describeFully(wrongShape)).not.toContain(secret);
  });

  it('refuses a public key that does not belong to its private key', () => {
    const dir = keyDir();
    const other = keyDir();
    ensureLocalKeyMaterial(dir);
    ensureLocalKeyMaterial(other);
    writeFileSync(
      join(dir, 'audit-signing.public.pem'),
      readFileSync(join(other, 'audit-signing.public.pem')),
    );
    expect(() => readLocalKeyMaterial(dir)).toThrow(/audit-signing\.public\.pem does not match/);
  });
});

function catchError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected an error');
}

/** The message, and the messages and stacks of the whole cause chain. */
function describeFully(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '');
  }
  return parts.join('\n');
}
