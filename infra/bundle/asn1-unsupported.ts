/**
 * Bundled in place of `asn1.js` (see ./options.ts). The Encryption SDK uses asn1.js only for
 * ECDSA-signed algorithm suites: DER signatures and PEM signing keys. Records are sealed
 * with an unsigned committing suite (shared/crypto/envelope.ts), so this code never runs for
 * our messages; it costs 67 KB of every record function. A signed message now fails to open
 * (a DecryptError, like any payload we did not seal) instead of being verified.
 */
function unsupported(): never {
  throw new Error('ECDSA-signed Encryption SDK messages are not supported by this backend');
}

const model = { encode: unsupported, decode: unsupported };

export default {
  define: (): typeof model => model,
  get bignum(): never {
    return unsupported();
  },
};
