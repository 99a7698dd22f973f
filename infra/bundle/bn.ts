/**
 * Bundled in place of `bn.js` (see ./options.ts): the Encryption SDK's arbitrary-precision
 * integers, which Node has natively as BigInt. The SDK uses a few operations: a message body's
 * 8-byte content length (serialize: aad_factory, decode_body_header) and the decompression of
 * ECDSA public points (material-management: ecc_encode, ecc_decode, which builds its curve
 * constants at import). This implements those, and only those, over BigInt, with bn.js's
 * results (test/unit/infra/bn.test.ts compares them); it saves 44 KB of every record function.
 */
type Value = number | string | readonly number[] | Uint8Array | bigint;

function fromBytes(bytes: readonly number[] | Uint8Array, endian: 'be' | 'le'): bigint {
  const ordered = endian === 'le' ? [...bytes].reverse() : [...bytes];
  let value = 0n;
  for (const byte of ordered) value = (value << 8n) | BigInt(byte & 0xff);
  return value;
}

function toBigInt(value: Value, base?: number | 'hex', endian: 'be' | 'le' = 'be'): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(value);
  if (typeof value === 'string') {
    const radix = base === 'hex' ? 16 : (base ?? 10);
    if (radix === 16) return BigInt(`0x${value.replace(/^0x/i, '') || '0'}`);
    if (radix === 10) return BigInt(value);
    throw new TypeError(`bn.js replacement: base ${radix} is not supported`);
  }
  return fromBytes(value, endian);
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = mod(base, modulus);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

/** A Montgomery context as bn.js names it; here only the modulus reductions are done in. */
interface Red {
  readonly m: bigint;
}

export default class BN {
  readonly value: bigint;
  readonly red: Red | undefined;

  constructor(value: Value | BN, base?: number | 'hex' | 'be' | 'le', endian?: 'be' | 'le') {
    if (value instanceof BN) {
      this.value = value.value;
    } else {
      const numberBase = base === 'be' || base === 'le' ? undefined : base;
      const byteOrder = base === 'be' || base === 'le' ? base : endian;
      this.value = toBigInt(value, numberBase, byteOrder);
    }
    this.red = undefined;
  }

  static mont(modulus: BN): Red {
    return { m: modulus.value };
  }

  static red(modulus: BN): Red {
    return { m: modulus.value };
  }

  private static of(value: bigint, red?: Red): BN {
    const result = new BN(value);
    return red ? Object.assign(result, { red }) : result;
  }

  add(other: BN): BN {
    return BN.of(this.value + other.value);
  }

  sub(other: BN): BN {
    return BN.of(this.value - other.value);
  }

  mul(other: BN): BN {
    return BN.of(this.value * other.value);
  }

  /** Truncating division, as bn.js's `div`. */
  div(other: BN): BN {
    return BN.of(this.value / other.value);
  }

  /** bn.js's `mod` keeps the dividend's sign; `umod` is always positive. */
  mod(other: BN): BN {
    return BN.of(this.value % other.value);
  }

  umod(other: BN): BN {
    return BN.of(mod(this.value, other.value));
  }

  pow(exponent: BN): BN {
    return BN.of(this.value ** exponent.value);
  }

  eq(other: BN): boolean {
    return this.value === other.value;
  }

  cmp(other: BN): -1 | 0 | 1 {
    return this.value < other.value ? -1 : this.value > other.value ? 1 : 0;
  }

  isZero(): boolean {
    return this.value === 0n;
  }

  bitLength(): number {
    return this.value === 0n ? 0 : (this.value < 0n ? -this.value : this.value).toString(2).length;
  }

  byteLength(): number {
    return Math.ceil(this.bitLength() / 8);
  }

  toNumber(): number {
    if (this.value > BigInt(Number.MAX_SAFE_INTEGER) || this.value < -BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new RangeError('Number can only safely store up to 53 bits');
    }
    return Number(this.value);
  }

  toString(base: number | 'hex' = 10): string {
    return this.value.toString(base === 'hex' ? 16 : base);
  }

  /** The magnitude's bytes, zero-padded to `length` (bn.js refuses a value that does not fit). */
  toArray(endian: 'be' | 'le' = 'be', length?: number): number[] {
    if (this.value < 0n) throw new RangeError('bn.js replacement: negative values have no byte array');
    const bytes: number[] = [];
    for (let rest = this.value; rest > 0n; rest >>= 8n) bytes.unshift(Number(rest & 0xffn));
    if (length !== undefined) {
      if (bytes.length > length) throw new RangeError('byte array longer than desired length');
      while (bytes.length < length) bytes.unshift(0);
    }
    return endian === 'le' ? bytes.reverse() : bytes;
  }

  toRed(red: Red): BN {
    return BN.of(mod(this.value, red.m), red);
  }

  fromRed(): BN {
    return BN.of(this.value);
  }

  redPow(exponent: BN): BN {
    const red = this.redContext();
    return BN.of(modPow(this.value, exponent.value, red.m), red);
  }

  redMul(other: BN): BN {
    const red = this.redContext();
    return BN.of(mod(this.value * other.value, red.m), red);
  }

  redSqr(): BN {
    return this.redMul(this);
  }

  private redContext(): Red {
    if (!this.red) throw new TypeError('bn.js replacement: not a reduced number (toRed first)');
    return this.red;
  }
}
