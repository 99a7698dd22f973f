import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError, JsonPatchLimitError } from '../../../shared/fhir/json-patch.ts';

const doc = { name: [{ family: 'A', given: ['B'] }], gender: 'female' };

describe('JSON Patch (RFC 6902)', () => {
  it('applies add, remove, replace, move, copy and test to a copy of the document', () => {
    const result = applyJsonPatch(doc, [
      { op: 'test', path: '/gender', value: 'female' },
      { op: 'add', path: '/name/0/given/-', value: 'C' },
      { op: 'replace', path: '/gender', value: 'other' },
      { op: 'copy', from: '/name/0', path: '/name/1' },
      { op: 'remove', path: '/name/1/given/0' },
      { op: 'move', from: '/gender', path: '/sex' },
    ]);
    expect(result).toEqual({
      name: [
        { family: 'A', given: ['B', 'C'] },
        { family: 'A', given: ['C'] },
      ],
      sex: 'other',
    });
    expect(doc).toEqual({ name: [{ family: 'A', given: ['B'] }], gender: 'female' });
  });

  it('names the path of an operation that cannot apply', () => {
    try {
      applyJsonPatch(doc, [{ op: 'remove', path: '/address/0' }]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(JsonPatchError);
      expect(error instanceof JsonPatchError && error.location).toBe('/address/0');
    }
  });

  it('fails a test operation whose value differs', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'test', path: '/gender', value: 'male' }])).toThrow(
      /test operation failed/,
    );
  });

  it('refuses prototype pollution paths', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/__proto__/polluted', value: true }])).toThrow(
      JsonPatchError,
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses array indexes out of range and a move into its own child', () => {
    expect(() => applyJsonPatch(doc, [{ op: 'add', path: '/name/5', value: {} }])).toThrow(/out of range/);
    expect(() => applyJsonPatch(doc, [{ op: 'move', from: '/name', path: '/name/0/x' }])).toThrow(
      /into itself/,
    );
  });
});

describe('JSON Patch limits', () => {
  const limits = { maxBytes: 10_000, maxNodes: 500, maxDepth: 8 };
  const limitOf = (run: () => unknown): string | undefined => {
    try {
      run();
    } catch (error) {
      if (error instanceof JsonPatchLimitError) return `${error.limit} at ${error.location}`;
      throw error;
    }
    return undefined;
  };

  it('stops a doubling copy bomb at the first operation past the value budget', () => {
    const bomb = Array.from({ length: 100 }, () => ({ op: 'copy' as const, from: '/name', path: '/name/0' }));
    // 4 values at first, doubling: past 500 after 7 operations, long before 2^100.
    expect(
      limitOf(() => applyJsonPatch({ name: [{ family: 'A' }] }, bomb, { ...limits, maxDepth: 200 })),
    ).toBe('nodes at /name/0');
  });

  it('refuses a document that grows past the byte limit, and one nested past the depth limit', () => {
    const grow = [{ op: 'add' as const, path: '/text', value: 'x'.repeat(10_001) }];
    expect(limitOf(() => applyJsonPatch({}, grow, limits))).toBe('bytes at /text');
    const nest = Array.from({ length: 9 }, () => ({ op: 'copy' as const, from: '/a', path: '/a/a' }));
    expect(limitOf(() => applyJsonPatch({ a: { b: 1 } }, nest, limits))).toBe('depth at /a/a');
  });

  it('applies patches within the limits exactly as without them', () => {
    const operations = [{ op: 'copy' as const, from: '/name/0', path: '/name/-' }];
    expect(applyJsonPatch(doc, operations, limits)).toEqual(applyJsonPatch(doc, operations));
  });
});
