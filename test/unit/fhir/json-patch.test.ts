import { describe, expect, it } from 'vitest';
import { applyJsonPatch, JsonPatchError } from '../../../shared/fhir/json-patch.ts';

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
