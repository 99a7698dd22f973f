import { describe, expect, it } from 'vitest';
import { canonicalImage, canonicalItem, canonicalJson, sha256Hex } from '../../../shared/crypto/canonical.ts';

describe('canonical JSON', () => {
  it('sorts object keys at every level and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text, and so the same hash, whatever order keys were built in', () => {
    const one = { resourceType: 'AuditEvent', id: 'x', outcome: '0' };
    const other = { outcome: '0', id: 'x', resourceType: 'AuditEvent' };
    expect(sha256Hex(canonicalJson(one))).toBe(sha256Hex(canonicalJson(other)));
  });

  it('hashes UTF-8 text as SHA-256 hex', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('é')).not.toBe(sha256Hex('e'));
  });

  it('gives a stored item one text whether read from the table or from a stream record (binary, sets, maps, numbers)', () => {
    const native = {
      pk: 'AE#2001-02-03T04',
      sk: '2001-02-03T04:05:06.000Z#x',
      expiresAt: 1_178_000_000,
      reason: new Uint8Array([1, 2, 255]),
      tags: new Set(['b', 'a']),
      nested: { list: ['x', 2, true, null] },
    };
    const image = {
      pk: { S: 'AE#2001-02-03T04' },
      sk: { S: '2001-02-03T04:05:06.000Z#x' },
      expiresAt: { N: '1178000000' },
      reason: { B: Buffer.from([1, 2, 255]).toString('base64') },
      tags: { SS: ['a', 'b'] },
      nested: { M: { list: { L: [{ S: 'x' }, { N: '2' }, { BOOL: true }, { NULL: true }] } } },
    };
    expect(canonicalImage(image)).toBe(canonicalItem(native));
    // The SDK's stream client gives binary as bytes: the same text.
    expect(canonicalImage({ ...image, reason: { B: new Uint8Array([1, 2, 255]) } })).toBe(
      canonicalItem(native),
    );
  });

  it('keeps each value’s type, so a number cannot pass for a string or a map for binary', () => {
    expect(canonicalItem({ a: '1' })).not.toBe(canonicalItem({ a: 1 }));
    const binary = canonicalItem({ a: new Uint8Array([1]) });
    expect(canonicalItem({ a: { B: Buffer.from([1]).toString('base64') } })).not.toBe(binary);
  });
});
