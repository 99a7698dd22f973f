import { describe, expect, it } from 'vitest';
import type { Patient } from '../../../shared/fhir/patient.ts';
import {
  nameMatches,
  namePrefixes,
  patientSearchValues,
  queryValue,
} from '../../../shared/store/patient-index.ts';

describe('the search values of a Patient', () => {
  const values = patientSearchValues({
    resourceType: 'Patient',
    name: [{ family: 'Müller', given: ['Ánna', 'Maria'], prefix: ['Dr.'] }],
    birthDate: '1980-04-02',
    gender: 'female',
    identifier: [{ system: 'urn:oid:1.2.3', value: 'MRN-77' }],
  });

  it('normalizes names so that case and accents do not matter', () => {
    expect(values).toContainEqual(['family', 'muller']);
    expect(values).toContainEqual(['given', 'anna']);
    expect(values).toContainEqual(['name', 'dr.']);
    expect(queryValue('family', 'MULLER')).toBe('muller');
  });

  it('keeps gender out of the blind indexes (four values would show through by frequency)', () => {
    expect(values.filter(([param]) => (param as string) === 'gender')).toEqual([]);
  });

  it('finds a birth date by year, month and day', () => {
    expect(values.filter(([param]) => param === 'birthdate').map(([, value]) => value)).toEqual([
      '1980',
      '1980-04',
      '1980-04-02',
    ]);
  });

  it('finds an identifier by value in any system or in its own system, but keeps its case', () => {
    expect(values).toContainEqual(['identifier', '*|MRN-77']);
    expect(values).toContainEqual(['identifier', 'urn:oid:1.2.3|MRN-77']);
    expect(values).not.toContainEqual(['identifier', '|MRN-77']);
    expect(queryValue('identifier', 'MRN-77')).toBe('*|MRN-77');
    expect(queryValue('identifier', 'urn:oid:1.2.3|MRN-77')).toBe('urn:oid:1.2.3|MRN-77');
  });

  it('finds an identifier without a system by |value only', () => {
    const bare = patientSearchValues({ resourceType: 'Patient', identifier: [{ value: 'X-1' }] });
    expect(bare).toContainEqual(['identifier', '|X-1']);
    expect(queryValue('identifier', '|X-1')).toBe('|X-1');
  });

  it('lists each value once', () => {
    expect(new Set(values.map((value) => value.join('='))).size).toBe(values.length);
  });
});

describe('the prefix tokens of a Patient', () => {
  it('has one per name part: the first three characters of its normalized value', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [{ text: 'Dr. Ánna Müller', family: 'Müller', given: ['Ánna', 'Maria'], prefix: ['Dr.'] }],
    };
    expect(namePrefixes(patient).sort()).toEqual(['ann', 'dr.', 'mar', 'mul']);
  });

  it('has one for parts that share a start, across family, given and other names', () => {
    const patient: Patient = {
      resourceType: 'Patient',
      name: [
        { family: 'Anders', given: ['Anna', 'Annabel'] },
        { family: 'ANDERSSON', given: ['Anna'] },
      ],
    };
    expect(namePrefixes(patient)).toEqual(['and', 'ann']);
  });

  it('has none for a part shorter than three characters: its full-value token serves it', () => {
    const patient: Patient = { resourceType: 'Patient', name: [{ family: 'Li', given: ['Wei', 'Yu'] }] };
    expect(namePrefixes(patient)).toEqual(['wei']);
    expect(patientSearchValues(patient)).toContainEqual(['family', 'li']);
    expect(patientSearchValues(patient)).toContainEqual(['given', 'yu']);
  });

  it('has none for a patient without names', () => {
    expect(namePrefixes({ resourceType: 'Patient', birthDate: '1980' })).toEqual([]);
  });
});

describe('the name criteria over a decrypted Patient', () => {
  const patient: Patient = {
    resourceType: 'Patient',
    name: [{ text: 'Anna Müller-Lüdenscheidt', family: 'Müller', given: ['Anna', 'Maria'] }],
  };

  it.each([
    ['family', 'mül', true],
    ['family', 'MUL', true],
    ['family', 'Mu\u0308ller', true],
    ['family', 'mue', false],
    ['family', 'ull', false],
    ['family', 'müllerova', false],
    ['family', 'anna', false],
    ['given', 'ann', true],
    ['given', 'mar', true],
    ['given', 'mül', false],
    ['name', 'mül', true],
    ['name', 'mar', true],
    ['name', 'anna mü', true],
    ['name', 'lüd', false],
  ] as const)('%s=%s starts a name: %s', (param, value, expected) => {
    expect(nameMatches(patient, param, value, false)).toBe(expected);
  });

  it.each([
    ['family', 'Müller', true],
    ['family', 'Mu\u0308ller', true],
    ['family', 'müller', false],
    ['family', 'Muller', false],
    ['family', 'Mül', false],
    ['given', 'Anna', true],
    ['given', 'anna', false],
    ['name', 'Anna Müller-Lüdenscheidt', true],
    ['name', 'Maria', true],
  ] as const)('%s:exact=%s is a name as written: %s', (param, value, expected) => {
    expect(nameMatches(patient, param, value, true)).toBe(expected);
  });

  it('matches nothing for an empty value', () => {
    expect(nameMatches(patient, 'family', '  ', false)).toBe(false);
  });
});
