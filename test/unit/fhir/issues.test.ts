import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { describeIssues, fhirPath } from '../../../shared/fhir/issues.ts';

describe('fhirPath', () => {
  it('writes keys as dotted elements and indexes in brackets', () => {
    expect(fhirPath('Patient', ['name', 0, 'family'])).toBe('Patient.name[0].family');
  });

  it('is the resource type alone for an empty path', () => {
    expect(fhirPath('Appointment', [])).toBe('Appointment');
  });

  it('writes a symbol key by its description', () => {
    expect(fhirPath('Patient', ['contact', 1, Symbol('name')])).toBe('Patient.contact[1].name');
  });
});

describe('describeIssues', () => {
  it('gives one entry per unknown key, located at the key', () => {
    const result = z.strictObject({ a: z.string() }).safeParse({ a: 'x', b: 1, c: 2 });
    if (result.success) throw new Error('expected a refusal');
    expect(describeIssues('Patient', result.error)).toEqual([
      { location: 'Patient.b', message: 'is not a known element' },
      { location: 'Patient.c', message: 'is not a known element' },
    ]);
  });

  it("replaces zod's own messages by what is expected", () => {
    const schema = z.strictObject({ n: z.number(), s: z.array(z.string()).check(z.maxLength(1)) });
    const result = schema.safeParse({ n: 'Peter Chalmers', s: ['a', 'b'] });
    if (result.success) throw new Error('expected a refusal');
    expect(describeIssues('Patient', result.error)).toEqual([
      { location: 'Patient.n', message: 'must be a number' },
      { location: 'Patient.s', message: 'must be at most 1 item' },
    ]);
  });
});
