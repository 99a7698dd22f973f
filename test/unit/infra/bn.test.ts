import { createECDH, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import BN from '../../../infra/bundle/bn.ts';

/**
 * infra/bundle/bn.ts stands in for bn.js in the Lambda bundles: every operation the Encryption
 * SDK makes gives bn.js's result, and the ECDSA point decompression it builds from them gives
 * Node's own uncompressed point.
 */
type Big = InstanceType<typeof BN>;
const RealBN = createRequire(import.meta.url)('bn.js') as new (
  value: unknown,
  base?: unknown,
  endian?: unknown,
) => Big & { toArray(endian: string, length?: number): number[] };

describe('the bn.js replacement', () => {
  it('reads and writes an 8-byte content length as the SDK does (aad_factory, decode_body_header)', () => {
    for (const length of [0, 1, 255, 256, 65_536, 4_294_967_296, Number.MAX_SAFE_INTEGER]) {
      const ours = new Uint8Array(new BN(length).toArray('be', 8));
      expect([...ours]).toEqual(new RealBN(length).toArray('be', 8));
      expect(new BN([...ours], 16, 'be').toNumber()).toBe(length);
      expect(new BN([...ours], 16, 'be').toNumber()).toBe(new RealBN([...ours], 16, 'be').toNumber());
    }
    expect(() => new BN(2 ** 53 + 2).toArray('be', 4)).toThrow(RangeError);
    expect(() => new BN([0x40, 0, 0, 0, 0, 0, 0, 1]).toNumber()).toThrow(RangeError);
  });

  it('gives bn.js’s results for the arithmetic of the curve code', () => {
    const p = 'FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF';
    const bytes = [...randomBytes(48)];
    for (const [ours, real] of [
      [new BN(p, 16), new RealBN(p, 16)],
      [new BN(bytes), new RealBN(bytes)],
    ] as const) {
      const four = [new BN(4), new RealBN(4)] as const;
      expect(ours.mod(four[0]).toString()).toBe(real.mod(four[1] as never).toString());
      expect(ours.bitLength()).toBe(real.bitLength());
      expect(ours.add(new BN(1)).div(four[0]).toString(16)).toBe(
        real
          .add(new RealBN(1) as never)
          .div(four[1] as never)
          .toString(16),
      );
    }
    expect(new BN(7).pow(new BN(3)).mod(new BN(5)).toNumber()).toBe(343 % 5);
    expect(new BN(10).sub(new BN(3)).mul(new BN(6)).toNumber()).toBe(42);
    expect(new BN(3).eq(new BN('3', 16))).toBe(true);
  });

  it.each([
    [
      'prime256v1',
      'FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF',
      'FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFC',
      '5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B',
    ],
    [
      'secp384r1',
      'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFF',
      'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFFFF0000000000000000FFFFFFFC',
      'B3312FA7E23EE7E4988E056BE3F82D19181D9C6EFE8141120314088F5013875AC656398D8A2ED19D2A85C8EDD3EC2AEF',
    ],
  ])('decompresses %s points as ecc_decode does, to Node’s uncompressed point', (curve, pHex, aHex, bHex) => {
    const [p, a, b] = [new BN(pHex, 16), new BN(aHex, 16), new BN(bHex, 16)];
    const montP = BN.mont(p);
    const redPow = p.add(new BN(1)).div(new BN(4));
    for (let n = 0; n < 5; n++) {
      const ecdh = createECDH(curve);
      ecdh.generateKeys();
      const compressed = new Uint8Array(ecdh.getPublicKey(undefined, 'compressed'));
      const length = compressed.length - 1;
      const x = new BN([...compressed.slice(1)]);
      const alpha = x.pow(new BN(3)).mod(p).add(a.mul(x).mod(p)).add(b).mod(p);
      const beta = alpha.toRed(montP).redPow(redPow).fromRed();
      const y = beta.mod(new BN(2)).eq(new BN(compressed[0] === 2 ? 0 : 1)) ? beta : p.sub(beta);
      const point = [4, ...x.toArray('be', length), ...y.toArray('be', length)];
      expect(point).toEqual([...ecdh.getPublicKey(undefined, 'uncompressed')]);
    }
  });
});
