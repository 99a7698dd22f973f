import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../../shared/fhir/issues.ts';
import { Practitioner } from '../../../shared/fhir/practitioner.ts';
import { specExample, specExamples } from './fixtures.ts';

function issuesOf(input: unknown) {
  const result = Practitioner.safeParse(input);
  if (result.success) throw new Error('expected the Practitioner to be refused');
  return describeIssues('Practitioner', result.error);
}

describe('Practitioner', () => {
  const examples = specExamples('practitioner-');

  it.each(examples)('parses the specification example $file and gives it back unchanged', ({ json }) => {
    const result = Practitioner.safeParse(json);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data).toEqual(json);
  });

  it('accepts a qualification with its code and issuer', () => {
    const practitioner = {
      resourceType: 'Practitioner',
      qualification: [
        {
          identifier: [{ system: 'http://example.org/UniversityIdentifier', value: '12345' }],
          code: { text: 'Bachelor of Science' },
          period: { start: '1995' },
          issuer: { display: 'Example University' },
        },
      ],
      communication: [{ coding: [{ system: 'urn:ietf:bcp:47', code: 'nl' }] }],
    };
    expect(Practitioner.parse(practitioner)).toEqual(practitioner);
  });

  it('refuses a qualification without a code', () => {
    expect(
      issuesOf({ resourceType: 'Practitioner', qualification: [{ period: { start: '1995' } }] }),
    ).toEqual([{ location: 'Practitioner.qualification[0].code', message: 'is required' }]);
  });

  it('refuses a Patient-only element such as maritalStatus', () => {
    expect(
      issuesOf({ ...specExample('practitioner-example-f001-evdb.json'), maritalStatus: { text: 'M' } }),
    ).toEqual([{ location: 'Practitioner.maritalStatus', message: 'is not a known element' }]);
  });

  it('refuses a birthDate that is not a date', () => {
    expect(issuesOf({ resourceType: 'Practitioner', birthDate: '07/12/1975' })).toEqual([
      { location: 'Practitioner.birthDate', message: 'must be a date (YYYY, YYYY-MM or YYYY-MM-DD)' },
    ]);
  });
});
