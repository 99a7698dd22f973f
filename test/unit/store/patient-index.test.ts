import { describe, expect, it } from 'vitest';
import { patientSearchValues, queryValue } from '../../../shared/store/patient-index.ts';

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
