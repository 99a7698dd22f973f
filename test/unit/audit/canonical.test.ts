import { describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../shared/audit/canonical.ts';

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
});
