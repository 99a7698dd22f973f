import { randomBytes } from 'node:crypto';
import { createEnvelope } from '../shared/crypto/envelope.ts';
import { createKeyring } from '../shared/crypto/keyring.ts';
import { median, round } from './stats.ts';
import { patientBody } from './workloads.ts';

/**
 * The envelope's cost per record with the caching materials manager warm: seal (encrypt) and
 * open (decrypt) of a typical Patient, timed in batches so the clock's resolution does not
 * matter; the keyring counts how often it was asked for a data key.
 */
export interface CryptoCost {
  recordBytes: number;
  ciphertextBytes: number;
  sealMs: number;
  openMs: number;
  records: number;
  keyring: { wraps: number; unwraps: number };
}

export async function measureCrypto(records = 2000, batch = 50): Promise<CryptoCost> {
  const keyring = createKeyring({ kind: 'local', dataKey: randomBytes(32) });
  const envelope = createEnvelope(keyring);
  const resource = {
    ...patientBody(7),
    id: 'p-bench',
    meta: { versionId: '1', lastUpdated: new Date().toISOString() },
  };
  const ref = (n: number) => ({ tenant: 'org-bench', resourceType: 'Patient', id: `p-${n}`, versionId: 1 });
  const sealed: Uint8Array[] = [];
  const seals: number[] = [];
  for (let start = 0; start < records; start += batch) {
    const began = performance.now();
    for (let n = start; n < start + batch; n++) sealed.push(await envelope.seal(ref(n), resource));
    seals.push((performance.now() - began) / batch);
  }
  const opens: number[] = [];
  for (let start = 0; start < records; start += batch) {
    const began = performance.now();
    for (let n = start; n < start + batch; n++) await envelope.open(ref(n), sealed[n] ?? new Uint8Array());
    opens.push((performance.now() - began) / batch);
  }
  return {
    recordBytes: Buffer.byteLength(JSON.stringify(resource)),
    ciphertextBytes: sealed[0]?.byteLength ?? 0,
    sealMs: round(median(seals), 3),
    openMs: round(median(opens), 3),
    records,
    keyring: keyring.stats(),
  };
}
