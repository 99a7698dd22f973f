import { describe, expect, it } from 'vitest';
import { matchesCriteria, matchesCriterion } from '../../../shared/fhir/search-match.ts';
import { appointmentDefinition } from '../../../shared/resources/appointment.ts';
import type { SearchParameter } from '../../../shared/resources/definition.ts';
import { patientDefinition } from '../../../shared/resources/patient.ts';

const patient = {
  resourceType: 'Patient',
  id: 'pat-1',
  gender: 'female',
  birthDate: '1984-03-09',
  name: [{ family: 'Müller', given: ['Anna'] }],
  identifier: [{ system: 'urn:mrn', value: 'MRN-7' }],
};
const appointment = {
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-12-03T10:00:00Z',
  participant: [
    { actor: { reference: 'Patient/pat-1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/pr-1' }, status: 'accepted' },
  ],
};
const patientParams = patientDefinition.searchParameters;
const appointmentParams = appointmentDefinition.searchParameters;

describe('a search criterion evaluated on the resource', () => {
  it('matches a token by code, system|code, |code and system|, and a comma as or', () => {
    expect(matchesCriterion(patient, patientParams, 'gender', 'female')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'gender', 'male')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'gender', 'male,female')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'identifier', 'urn:mrn|MRN-7')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'identifier', 'urn:other|MRN-7')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'identifier', 'urn:mrn|')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'identifier', '|MRN-7')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'gender', '|female')).toBe(true);
  });

  it('matches a string case- and accent-insensitively from its start', () => {
    expect(matchesCriterion(patient, patientParams, 'family', 'mul')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'name', 'ann')).toBe(true);
    expect(matchesCriterion(patient, patientParams, 'family', 'ller')).toBe(false);
  });

  it('matches a reference through where(resolve() is Type), by Type/id or id', () => {
    expect(matchesCriterion(appointment, appointmentParams, 'patient', 'Patient/pat-1')).toBe(true);
    expect(matchesCriterion(appointment, appointmentParams, 'patient', 'pat-1')).toBe(true);
    expect(matchesCriterion(appointment, appointmentParams, 'patient', 'pr-1')).toBe(false);
    expect(matchesCriterion(appointment, appointmentParams, 'practitioner', 'pr-1')).toBe(true);
  });

  it('matches a date at the precision of the value', () => {
    expect(matchesCriterion(appointment, appointmentParams, 'date', '2026-12')).toBe(true);
    expect(matchesCriterion(appointment, appointmentParams, 'date', '2026-11')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'birthdate', '1984-03-09')).toBe(true);
  });

  it('matches nothing for what it cannot evaluate: an unknown parameter, a modifier, a date prefix, a FHIRPath function', () => {
    expect(matchesCriterion(patient, patientParams, 'address-city', 'Berlin')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'gender:not', 'male')).toBe(false);
    expect(matchesCriterion(appointment, appointmentParams, 'date', 'ge2026-01-01')).toBe(false);
    const unusual: SearchParameter[] = [
      { name: 'x', type: 'token', expression: 'Patient.name.first()', index: 'filter' },
    ];
    expect(matchesCriterion(patient, unusual, 'x', 'Anna')).toBe(false);
  });

  it('needs every criterion of a restriction', () => {
    expect(
      matchesCriteria(appointment, appointmentParams, [
        ['status', 'booked'],
        ['patient', 'pat-1'],
      ]),
    ).toBe(true);
    expect(
      matchesCriteria(appointment, appointmentParams, [
        ['status', 'booked'],
        ['patient', 'pat-2'],
      ]),
    ).toBe(false);
  });
});
