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

  it('matches nothing for what it cannot evaluate: an unknown parameter, a modifier, a bad date, a FHIRPath function', () => {
    expect(matchesCriterion(patient, patientParams, 'address-city', 'Berlin')).toBe(false);
    expect(matchesCriterion(patient, patientParams, 'gender:not', 'male')).toBe(false);
    expect(matchesCriterion(appointment, appointmentParams, 'date', 'xx2026-01-01')).toBe(false);
    expect(matchesCriterion(appointment, appointmentParams, 'date', '2026-13')).toBe(false);
    const unusual: SearchParameter[] = [
      { name: 'x', type: 'token', expression: 'Patient.name.first()', index: 'filter' },
    ];
    expect(matchesCriterion(patient, unusual, 'x', 'Anna')).toBe(false);
  });

  it('compares dates with the prefixes eq ne gt lt ge le sa eb, spans at their precision', () => {
    // The appointment starts 2026-12-03T10:00:00Z: a one-second span.
    const at = (value: string) => matchesCriterion(appointment, appointmentParams, 'date', value);
    expect([at('eq2026-12-03'), at('ne2026-12-03'), at('ne2026-12-04')]).toEqual([true, false, true]);
    expect([at('gt2026-12-02'), at('gt2026-12-03'), at('lt2026-12-04'), at('lt2026-12-03')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([at('ge2026-12-03'), at('ge2026-12-04'), at('le2026-12-03'), at('le2026-12-02')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([at('sa2026-12-02'), at('sa2026-12-03'), at('eb2026-12-04'), at('eb2026-12-03')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect(at('ge2026-12-03T10:00:00Z')).toBe(true);
    expect(at('gt2026-12-03T11:00:00+02:00')).toBe(true);
  });

  it('matches a period by overlap as the spec defines, an open end being unbounded', () => {
    const encounterParams: SearchParameter[] = [
      { name: 'date', type: 'date', expression: 'Encounter.period', index: 'filter' },
    ];
    const encounter = { resourceType: 'Encounter', period: { start: '2026-01-30', end: '2026-02-02' } };
    const at = (value: string, resource: unknown = encounter) =>
      matchesCriterion(resource, encounterParams, 'date', value);
    expect([
      at('eq2026-01'),
      at('eq2026'),
      at('ge2026-02-01'),
      at('le2026-01-31'),
      at('lt2026-01-30'),
    ]).toEqual([false, true, true, true, false]);
    expect([at('sa2026-01-29'), at('sa2026-01-30'), at('eb2026-02-03'), at('eb2026-02-02')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    const ongoing = { resourceType: 'Encounter', period: { start: '2026-01-30' } };
    expect([at('gt2030', ongoing), at('eb2030', ongoing)]).toEqual([true, false]);
  });

  it('follows choice elements and ofType, and serves :exact and :contains on strings', () => {
    const observationParams: SearchParameter[] = [
      { name: 'date', type: 'date', expression: 'Observation.effective', index: 'filter' },
      {
        name: 'value-string',
        type: 'string',
        expression: '(Observation.value.ofType(string))',
        index: 'filter',
      },
    ];
    const observation = {
      resourceType: 'Observation',
      effectiveDateTime: '2026-05-01T08:00:00Z',
      valueString: 'Müller',
    };
    expect(matchesCriterion(observation, observationParams, 'date', '2026-05')).toBe(true);
    expect(matchesCriterion(observation, observationParams, 'value-string', 'mul')).toBe(true);
    expect(matchesCriterion(observation, observationParams, 'value-string:exact', 'mul')).toBe(false);
    expect(matchesCriterion(observation, observationParams, 'value-string:exact', 'Müller')).toBe(true);
    expect(matchesCriterion(observation, observationParams, 'value-string:contains', 'LLE')).toBe(true);
    const quantity = { resourceType: 'Observation', valueQuantity: { value: 1 } };
    expect(matchesCriterion(quantity, observationParams, 'value-string', '1')).toBe(false);
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
