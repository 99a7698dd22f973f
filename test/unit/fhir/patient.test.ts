import { describe, expect, it } from 'vitest';
import { describeIssues } from '../../../shared/fhir/issues.ts';
import { Patient } from '../../../shared/fhir/patient.ts';
import { specExample, specExamples } from './fixtures.ts';

function issuesOf(input: unknown) {
  const result = Patient.safeParse(input);
  if (result.success) throw new Error('expected the Patient to be refused');
  return describeIssues('Patient', result.error);
}

const chalmers = () => specExample('patient-example.json');

describe('Patient', () => {
  const examples = specExamples('patient-');

  it('has the specification examples to test against', () => {
    expect(examples.length).toBeGreaterThanOrEqual(5);
  });

  it.each(examples)('parses the specification example $file and gives it back unchanged', ({ json }) => {
    const result = Patient.safeParse(json);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data).toEqual(json);
  });

  it('refuses a birthDate that is not on the calendar, at Patient.birthDate', () => {
    expect(issuesOf({ ...chalmers(), birthDate: '1974-13-40' })).toEqual([
      { location: 'Patient.birthDate', message: 'must be a date (YYYY, YYYY-MM or YYYY-MM-DD)' },
    ]);
  });

  it('refuses the 31st of February although its digits look like a date', () => {
    expect(issuesOf({ ...chalmers(), birthDate: '2021-02-31' })).toEqual([
      { location: 'Patient.birthDate', message: 'must be a date (YYYY, YYYY-MM or YYYY-MM-DD)' },
    ]);
  });

  it('accepts the partial dates FHIR allows, and the 29th of February in a leap year', () => {
    for (const birthDate of ['1974', '1974-12', '2000-02-29']) {
      expect(Patient.safeParse({ resourceType: 'Patient', birthDate }).success).toBe(true);
    }
    expect(Patient.safeParse({ resourceType: 'Patient', birthDate: '1900-02-29' }).success).toBe(false);
  });

  it('refuses an unknown top-level element, located at the element', () => {
    expect(issuesOf({ ...chalmers(), favouriteColour: 'blue' })).toEqual([
      { location: 'Patient.favouriteColour', message: 'is not a known element' },
    ]);
  });

  it('refuses an unknown element nested in a name, located at the element', () => {
    const patient = {
      resourceType: 'Patient',
      name: [{ family: 'Chalmers' }, { family: 'Windsor', nick: 'Jim' }],
    };
    expect(issuesOf(patient)).toEqual([
      { location: 'Patient.name[1].nick', message: 'is not a known element' },
    ]);
  });

  it('refuses a gender outside the value set and names the allowed codes', () => {
    expect(issuesOf({ resourceType: 'Patient', gender: 'x' })).toEqual([
      { location: 'Patient.gender', message: 'must be one of: male, female, other, unknown' },
    ]);
  });

  it('refuses a name that is not an array', () => {
    expect(issuesOf({ resourceType: 'Patient', name: { family: 'Chalmers' } })).toEqual([
      { location: 'Patient.name', message: 'must be an array' },
    ]);
  });

  it('refuses a string longer than 10000 characters', () => {
    const patient = { resourceType: 'Patient', name: [{ family: 'a'.repeat(10_001) }] };
    expect(issuesOf(patient)).toEqual([
      { location: 'Patient.name[0].family', message: 'must be at most 10000 characters' },
    ]);
  });

  it('accepts a string of exactly 10000 characters', () => {
    expect(
      Patient.safeParse({ resourceType: 'Patient', name: [{ family: 'a'.repeat(10_000) }] }).success,
    ).toBe(true);
  });

  it('refuses a string of only whitespace', () => {
    expect(issuesOf({ resourceType: 'Patient', name: [{ given: ['Peter', ' \t\n'] }] })).toEqual([
      { location: 'Patient.name[0].given[1]', message: 'must contain non-whitespace characters' },
    ]);
  });

  it("refuses an id with '#'", () => {
    expect(issuesOf({ resourceType: 'Patient', id: 'pat#1' })).toEqual([
      { location: 'Patient.id', message: 'must be an id (1-64 letters, digits, "-" or ".")' },
    ]);
  });

  it('refuses an id longer than 64 characters', () => {
    expect(issuesOf({ resourceType: 'Patient', id: 'a'.repeat(65) })[0]?.location).toBe('Patient.id');
  });

  it('refuses another resource type', () => {
    expect(issuesOf({ resourceType: 'Practitioner' })).toEqual([
      { location: 'Patient.resourceType', message: 'must be Patient' },
    ]);
  });

  it('says a missing required element is required', () => {
    const patient = {
      resourceType: 'Patient',
      link: [{ type: 'seealso' }],
      communication: [{ preferred: true }],
    };
    expect(issuesOf(patient)).toEqual([
      { location: 'Patient.communication[0].language', message: 'is required' },
      { location: 'Patient.link[0].other', message: 'is required' },
    ]);
  });

  it('refuses deceasedBoolean and deceasedDateTime together', () => {
    const patient = { resourceType: 'Patient', deceasedBoolean: true, deceasedDateTime: '2015-02-14' };
    expect(issuesOf(patient)).toEqual([
      { location: 'Patient.deceasedDateTime', message: 'must not be given together with deceasedBoolean' },
    ]);
  });

  it('refuses a _birthDate companion with an unknown key', () => {
    expect(issuesOf({ resourceType: 'Patient', _birthDate: { valueDateTime: '1974' } })).toEqual([
      { location: 'Patient._birthDate.valueDateTime', message: 'is not a known element' },
    ]);
  });

  it('refuses an extension without a url and an extension with two values', () => {
    const patient = {
      resourceType: 'Patient',
      extension: [
        { valueString: 'a' },
        { url: 'http://example.org/x', valueString: 'a', valueBoolean: true },
      ],
    };
    expect(issuesOf(patient)).toEqual([
      { location: 'Patient.extension[0].url', message: 'is required' },
      { location: 'Patient.extension[1].value', message: 'must have at most one value[x]' },
    ]);
  });

  it('accepts nested extensions with complex values', () => {
    const patient = {
      resourceType: 'Patient',
      extension: [
        {
          url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality',
          extension: [
            {
              url: 'code',
              valueCodeableConcept: { coding: [{ system: 'urn:iso:std:iso:3166', code: 'NL' }] },
            },
            { url: 'period', valuePeriod: { start: '2010' } },
          ],
        },
      ],
    };
    expect(Patient.parse(patient)).toEqual(patient);
  });

  it('refuses extensions nested beyond a sane depth', () => {
    let extension: Record<string, unknown> = { url: 'http://example.org/leaf', valueString: 'x' };
    for (let depth = 0; depth < 40; depth += 1)
      extension = { url: 'http://example.org/node', extension: [extension] };
    const issues = issuesOf({ resourceType: 'Patient', extension: [extension] });
    expect(issues).toEqual([{ location: 'Patient.extension[0]', message: 'must not nest more deeply' }]);
  });

  it('refuses more than 50 extensions', () => {
    const extension = Array.from({ length: 51 }, () => ({ url: 'http://example.org/x', valueBoolean: true }));
    expect(issuesOf({ resourceType: 'Patient', extension })).toEqual([
      { location: 'Patient.extension', message: 'must have at most 50 items' },
    ]);
  });

  it('refuses more than 100 names', () => {
    const name = Array.from({ length: 101 }, () => ({ family: 'Chalmers' }));
    expect(issuesOf({ resourceType: 'Patient', name })).toEqual([
      { location: 'Patient.name', message: 'must have at most 100 items' },
    ]);
  });

  it('keeps a contained resource as given, whatever its type', () => {
    const organization = { resourceType: 'Organization', id: 'org1', name: 'Acme', type: [{ text: 'prov' }] };
    const patient = {
      resourceType: 'Patient',
      contained: [organization],
      managingOrganization: { reference: '#org1' },
    };
    expect(Patient.parse(patient)).toEqual(patient);
  });

  it('refuses a contained resource without a resourceType', () => {
    expect(issuesOf({ resourceType: 'Patient', contained: [{ id: 'org1' }] })).toEqual([
      { location: 'Patient.contained[0].resourceType', message: 'is required' },
    ]);
  });

  it('refuses a narrative div that is not a div', () => {
    expect(issuesOf({ resourceType: 'Patient', text: { status: 'generated', div: '<p>Peter</p>' } })).toEqual(
      [{ location: 'Patient.text.div', message: 'must be an XHTML <div> element' }],
    );
  });

  it('refuses photo data that is not base64', () => {
    expect(issuesOf({ resourceType: 'Patient', photo: [{ data: 'not base64!' }] })).toEqual([
      { location: 'Patient.photo[0].data', message: 'must be base64 data' },
    ]);
  });

  it('never repeats the refused value in its messages', () => {
    const secret = 'Bénédicte-du-Marché-1974';
    const patient = {
      resourceType: secret,
      id: secret,
      [secret]: secret,
      gender: secret,
      birthDate: secret,
      active: secret,
      name: [{ family: ` ${secret} `.repeat(600), given: secret, use: secret }],
      telecom: [{ rank: secret, system: secret }],
      photo: [{ data: secret, size: -1 }],
      text: { status: secret, div: secret },
      contained: [{ resourceType: secret }],
      extension: [{ url: secret, valueDate: secret }],
    };
    const issues = issuesOf(patient);
    expect(issues.length).toBeGreaterThan(10);
    for (const issue of issues) {
      expect(issue.message).not.toContain('Bénédicte');
      expect(issue.message).not.toContain('1974');
    }
  });
});
