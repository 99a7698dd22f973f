import { randomBytes } from 'node:crypto';
import { buildEncrypt } from '@aws-crypto/encrypt-node';
import { AlgorithmSuiteIdentifier, CommitmentPolicy } from '@aws-crypto/material-management-node';
import { RawAesKeyringNode, RawAesWrappingSuiteIdentifier } from '@aws-crypto/raw-aes-keyring-node';
import { describe, expect, it } from 'vitest';
import type { RecordRef } from '../../../shared/crypto/envelope.ts';
import * as envelopeModule from '../../../shared/crypto/envelope.ts';
import * as errorsModule from '../../../shared/crypto/errors.ts';
import * as keyringModule from '../../../shared/crypto/keyring.ts';
import { importBundled } from '../../support/bundled.ts';

const fromSources = {
  createEnvelope: envelopeModule.createEnvelope,
  createEnvelopeFromKeySource: envelopeModule.createEnvelopeFromKeySource,
  createKeyring: keyringModule.createKeyring,
  DecryptError: errorsModule.DecryptError,
};
type CryptoModules = typeof fromSources;

/**
 * The same cases against the Lambda bundle of these modules: there the Encryption SDK runs on
 * Node's streams (infra/bundle/readable-stream.ts), not on readable-stream's.
 */
const bundled = await importBundled({
  'shared/crypto/envelope.ts': ['createEnvelope', 'createEnvelopeFromKeySource'],
  'shared/crypto/keyring.ts': ['createKeyring'],
  'shared/crypto/errors.ts': ['DecryptError'],
});
for (const name of Object.keys(fromSources)) {
  if (typeof bundled[name] !== 'function') throw new Error(`the bundle exports no ${name}`);
}
// Checked above: the bundle exports the same functions, built from the same sources.
const fromBundle = bundled as unknown as CryptoModules;

const patient = {
  resourceType: 'Patient',
  id: 'p-1',
  name: [{ family: 'Ångström-Nakamura', given: ['Josefina'] }],
  birthDate: '1984-02-29',
  telecom: [{ system: 'phone', value: '+34 600 123 456' }],
};
const ref: RecordRef = { tenant: 'org-a', resourceType: 'Patient', id: 'p-1', versionId: 3 };

describe.each<[string, CryptoModules]>([
  ['sources', fromSources],
  ['Lambda bundle', fromBundle],
])('envelope (%s)', (_, { createEnvelope, createEnvelopeFromKeySource, createKeyring, DecryptError }) => {
  function localEnvelope(options?: Parameters<typeof createEnvelope>[1]) {
    const keyring = createKeyring({ kind: 'local', dataKey: randomBytes(32) });
    return { keyring, envelope: createEnvelope(keyring, options) };
  }

  it('opens what it sealed, for the same record version', async () => {
    const { envelope } = localEnvelope();
    const sealed = await envelope.seal(ref, patient);
    expect(await envelope.open(ref, sealed)).toEqual(patient);
  });

  it('opens payloads sealed by another container holding the same data key', async () => {
    const dataKey = randomBytes(32);
    const writer = createEnvelopeFromKeySource({ kind: 'local', dataKey });
    const reader = createEnvelopeFromKeySource({ kind: 'local', dataKey });
    expect(await reader.open(ref, await writer.seal(ref, patient))).toEqual(patient);
  });

  it.each<[string, RecordRef]>([
    ['another id', { ...ref, id: 'p-2' }],
    ['another versionId', { ...ref, versionId: 2 }],
    ['another tenant', { ...ref, tenant: 'org-b' }],
    ['another resourceType', { ...ref, resourceType: 'Appointment' }],
  ])('refuses to open a payload copied to %s', async (_, elsewhere) => {
    const { envelope } = localEnvelope();
    const sealed = await envelope.seal(ref, patient);
    await expect(envelope.open(elsewhere, sealed)).rejects.toThrow(
      new DecryptError('payload does not belong to this record'),
    );
  });

  it('refuses a payload with any single byte changed, with a DecryptError', async () => {
    const { envelope } = localEnvelope();
    const sealed = await envelope.seal(ref, patient);
    const failures = new Set<string>();
    for (let position = 0; position < sealed.length; position += 3) {
      const tampered = Uint8Array.from(sealed);
      tampered[position] = (tampered[position] ?? 0) ^ 0x01;
      const error = await envelope.open(ref, tampered).then(
        () => new Error(`byte ${position} changed and the payload still opened`),
        (caught: unknown) => caught,
      );
      expect(error, `byte ${position}`).toBeInstanceOf(DecryptError);
      if (error instanceof Error) failures.add(error.message);
    }
    expect([...failures].join('\n')).not.toMatch(/Josefina|Ångström|1984/);
  });

  it('refuses a payload sealed with an ECDSA-signed suite, which this backend never writes', async () => {
    const dataKey = randomBytes(32);
    const { encrypt } = buildEncrypt({ commitmentPolicy: CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT });
    const keyring = new RawAesKeyringNode({
      keyName: 'records-data-key',
      keyNamespace: 'records-local',
      unencryptedMasterKey: Uint8Array.from(dataKey),
      wrappingSuite: RawAesWrappingSuiteIdentifier.AES256_GCM_IV12_TAG16_NO_PADDING,
    });
    const { result: signed } = await encrypt(
      keyring,
      Buffer.from(JSON.stringify({ ref: 'org-a/Patient/p-1/3', resource: patient })),
      {
        encryptionContext: { tenant: ref.tenant, resourceType: ref.resourceType, purpose: 'fhir-resource' },
        suiteId: AlgorithmSuiteIdentifier.ALG_AES256_GCM_IV12_TAG16_HKDF_SHA512_COMMIT_KEY_ECDSA_P384,
      },
    );
    const envelope = createEnvelopeFromKeySource({ kind: 'local', dataKey });
    await expect(envelope.open(ref, signed)).rejects.toBeInstanceOf(DecryptError);
    // The same key opens an unsigned payload: the refusal is the suite's.
    const unsigned = await createEnvelopeFromKeySource({ kind: 'local', dataKey }).seal(ref, patient);
    expect(await envelope.open(ref, unsigned)).toEqual(patient);
  });

  it('refuses a payload sealed under another data key', async () => {
    const sealed = await localEnvelope().envelope.seal(ref, patient);
    await expect(localEnvelope().envelope.open(ref, sealed)).rejects.toBeInstanceOf(DecryptError);
  });

  it('refuses a truncated payload and bytes that are no payload at all', async () => {
    const { envelope } = localEnvelope();
    const sealed = await envelope.seal(ref, patient);
    await expect(envelope.open(ref, sealed.subarray(0, sealed.length - 1))).rejects.toBeInstanceOf(
      DecryptError,
    );
    await expect(envelope.open(ref, new Uint8Array())).rejects.toBeInstanceOf(DecryptError);
    await expect(envelope.open(ref, randomBytes(300))).rejects.toBeInstanceOf(DecryptError);
  });

  it('does not carry the resource in clear: only tenant and resourceType are readable', async () => {
    const { envelope } = localEnvelope();
    const text = Buffer.from(await envelope.seal(ref, patient)).toString('latin1');
    for (const secret of ['Nakamura', 'Josefina', '1984-02-29', '600 123 456', 'p-1/3', '"birthDate"']) {
      expect(text).not.toContain(secret);
    }
    expect(Buffer.from(await envelope.seal(ref, patient)).toString('utf8')).not.toContain('Ångström');
    expect(text).toContain('org-a');
  });

  it('refuses a ref whose parts could be confused with another ref', async () => {
    const { envelope } = localEnvelope();
    await expect(envelope.seal({ ...ref, tenant: 'org-a/Patient' }, patient)).rejects.toThrow(TypeError);
    await expect(envelope.seal({ ...ref, id: '' }, patient)).rejects.toThrow(TypeError);
  });

  it('asks the keyring once to wrap and once to unwrap for 200 records sealed and opened one by one', async () => {
    const { keyring, envelope } = localEnvelope();
    const refs = Array.from({ length: 200 }, (_, i) => ({ ...ref, id: `p-${i}`, versionId: (i % 5) + 1 }));
    const sealed: Uint8Array[] = [];
    for (const each of refs) sealed.push(await envelope.seal(each, { ...patient, id: each.id }));
    for (const [i, each] of refs.entries()) {
      expect(await envelope.open(each, sealed[i] ?? new Uint8Array())).toEqual({ ...patient, id: each.id });
    }
    expect(keyring.stats()).toEqual({ wraps: 1, unwraps: 1 });
  });

  it('asks the keyring once to wrap and once to unwrap for 200 records sealed and opened concurrently', async () => {
    const { keyring, envelope } = localEnvelope();
    const refs = Array.from({ length: 200 }, (_, i) => ({ ...ref, id: `p-${i}` }));
    const sealed = await Promise.all(refs.map((each) => envelope.seal(each, patient)));
    const opened = await Promise.all(
      refs.map((each, i) => envelope.open(each, sealed[i] ?? new Uint8Array())),
    );
    expect(opened).toHaveLength(200);
    expect(keyring.stats()).toEqual({ wraps: 1, unwraps: 1 });
  });

  it('uses one data key per tenant and resourceType', async () => {
    const { keyring, envelope } = localEnvelope();
    for (const tenant of ['org-a', 'org-b']) {
      for (const resourceType of ['Patient', 'Appointment']) {
        for (let i = 0; i < 10; i++)
          await envelope.seal({ tenant, resourceType, id: `x-${i}`, versionId: 1 }, {});
      }
    }
    expect(keyring.stats()).toEqual({ wraps: 4, unwraps: 0 });
  });

  it('takes a new data key after maxMessagesEncrypted payloads', async () => {
    const { keyring, envelope } = localEnvelope({ maxMessagesEncrypted: 50 });
    const refs = Array.from({ length: 200 }, (_, i) => ({ ...ref, id: `p-${i}` }));
    const sealed: Uint8Array[] = [];
    for (const each of refs) sealed.push(await envelope.seal(each, patient));
    for (const [i, each] of refs.entries()) await envelope.open(each, sealed[i] ?? new Uint8Array());
    expect(keyring.stats()).toEqual({ wraps: 4, unwraps: 4 });
  });

  it('unwraps a data key again for opening once maxAgeMs has passed since its unwrap', async () => {
    const dataKey = randomBytes(32);
    const sealed = await createEnvelope(createKeyring({ kind: 'local', dataKey })).seal(ref, patient);
    // Another container of the same stage: the same data key, its own keys for opening.
    const keyring = createKeyring({ kind: 'local', dataKey });
    const reader = createEnvelope(keyring, { maxAgeMs: 30 });
    await reader.open(ref, sealed);
    await reader.open(ref, sealed);
    expect(keyring.stats().unwraps).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await reader.open(ref, sealed)).toEqual(patient);
    expect(keyring.stats().unwraps).toBe(2);
    // Twice the same data key: what the bench counts as a repeated unwrap.
    expect(keyring.dataKeysUnwrapped()).toBe(1);
  });

  it('keeps at most cacheCapacity data keys for opening, the oldest going first', async () => {
    const dataKey = randomBytes(32);
    const writer = createEnvelope(createKeyring({ kind: 'local', dataKey }));
    // One data key per tenant: three of them.
    const refs = ['org-a', 'org-b', 'org-c'].map((tenant) => ({ ...ref, tenant }));
    const sealed = await Promise.all(refs.map((each) => writer.seal(each, patient)));
    const keyring = createKeyring({ kind: 'local', dataKey });
    const reader = createEnvelope(keyring, { cacheCapacity: 2 });
    const open = (index: number) => reader.open(refs[index] ?? ref, sealed[index] ?? new Uint8Array());
    for (const index of [0, 1, 2]) await open(index);
    await open(2);
    await open(1);
    expect(keyring.stats().unwraps).toBe(3);
    expect(await open(0)).toEqual(patient);
    expect(keyring.stats().unwraps).toBe(4);
    expect(keyring.dataKeysUnwrapped()).toBe(3);
  });

  it('takes a new data key once maxAgeMs has passed', async () => {
    const { keyring, envelope } = localEnvelope({ maxAgeMs: 20 });
    await envelope.seal(ref, patient);
    await envelope.seal(ref, patient);
    await new Promise((resolve) => setTimeout(resolve, 40));
    await envelope.seal(ref, patient);
    expect(keyring.stats().wraps).toBe(2);
  });
});
