import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as examples from '../../../shared/fhir/clinical-examples.ts';
import { describeIssues } from '../../../shared/fhir/issues.ts';
import { AllergyIntoleranceStructure } from '../../../shared/fhir/r4/allergy-intolerance.generated.ts';
import { BinaryStructure } from '../../../shared/fhir/r4/binary.generated.ts';
import { CareTeamStructure } from '../../../shared/fhir/r4/care-team.generated.ts';
import { ConditionStructure } from '../../../shared/fhir/r4/condition.generated.ts';
import { DocumentReferenceStructure } from '../../../shared/fhir/r4/document-reference.generated.ts';
import { EncounterStructure } from '../../../shared/fhir/r4/encounter.generated.ts';
import { ImmunizationStructure } from '../../../shared/fhir/r4/immunization.generated.ts';
import { MedicationRequestStructure } from '../../../shared/fhir/r4/medication-request.generated.ts';
import { ObservationStructure } from '../../../shared/fhir/r4/observation.generated.ts';
import { ProcedureStructure } from '../../../shared/fhir/r4/procedure.generated.ts';
import { type Structure, structureSchema, validateResource } from '../../../shared/fhir/structure.ts';

const ROOT = join(import.meta.dirname, '../../..');
const refs = { patient: 'p-1', practitioner: 'pr-1', encounter: 'e-1', appointment: 'a-1' };
const WHEN = '2026-11-25T10:00:00Z';

const STRUCTURES: Record<string, Structure> = {
  Encounter: EncounterStructure,
  Observation: ObservationStructure,
  Condition: ConditionStructure,
  AllergyIntolerance: AllergyIntoleranceStructure,
  MedicationRequest: MedicationRequestStructure,
  Procedure: ProcedureStructure,
  Immunization: ImmunizationStructure,
  DocumentReference: DocumentReferenceStructure,
  CareTeam: CareTeamStructure,
  Binary: BinaryStructure,
};

// visitExamples is the collection of one example per type, each of which is listed on its own.
const exampleList = Object.entries(examples).flatMap(([name, example]) =>
  typeof example === 'function' && name !== 'visitExamples'
    ? [{ name, resource: example(refs, WHEN) as object }]
    : [],
);

/** A blood pressure panel as a plain JSON object, to be spoiled by a test. */
const observation = (): Record<string, unknown> =>
  JSON.parse(JSON.stringify(examples.bloodPressure(refs, WHEN))) as Record<string, unknown>;

const issuesOf = (value: unknown, structure: Structure = ObservationStructure) =>
  validateResource(structure, value);

describe('the R4 structures of the clinical types', () => {
  it('cover every example resource', () => {
    expect(exampleList.length).toBeGreaterThanOrEqual(10);
  });

  it.each(exampleList)(
    'find the example $name valid, and structureSchema gives it back unchanged',
    ({ resource }) => {
      const structure = STRUCTURES[String(Reflect.get(resource, 'resourceType'))];
      if (!structure) throw new Error('no structure for the example');
      expect(validateResource(structure, resource)).toEqual([]);
      const parsed = structureSchema(structure).safeParse(resource);
      expect(parsed.error?.issues ?? []).toEqual([]);
      expect(parsed.data).toEqual(resource);
    },
  );

  it('keep id, meta, implicitRules, language, text and contained resources', () => {
    const resource = {
      ...observation(),
      id: 'obs-1',
      meta: { versionId: '3', lastUpdated: '2026-11-25T10:00:00.000Z', tag: [{ code: 'seed' }] },
      implicitRules: 'http://example.org/rules',
      language: 'en-GB',
      text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Blood pressure</div>' },
      contained: [{ resourceType: 'Device', id: 'cuff', status: 'active' }],
    };
    expect(issuesOf(resource)).toEqual([]);
  });

  it('refuse an unknown element, at the element, at any depth', () => {
    const resource = { ...observation(), colour: 'red', code: { text: 'BP', colour: 'blue' } };
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.code.colour', message: 'is not a known element' },
      { location: 'Observation.colour', message: 'is not a known element' },
    ]);
  });

  it('name each missing required element: Observation.status and Observation.code', () => {
    const { status: _status, code: _code, ...resource } = observation();
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.status', message: 'is required' },
      { location: 'Observation.code', message: 'is required' },
    ]);
  });

  it('name a missing required choice by its [x]: MedicationRequest.medication[x]', () => {
    const { medicationCodeableConcept: _medication, ...resource } = examples.lisinopril(refs, WHEN);
    expect(issuesOf(resource, MedicationRequestStructure)).toEqual([
      { location: 'MedicationRequest.medication[x]', message: 'is required' },
    ]);
  });

  it('refuse an array where the element has max 1, and a single value where it repeats', () => {
    const resource = observation();
    expect(
      issuesOf({ ...resource, subject: [resource.subject], performer: { reference: 'Practitioner/1' } }),
    ).toEqual([
      { location: 'Observation.subject', message: 'must be a single value, not an array (max 1)' },
      { location: 'Observation.performer', message: 'must be an array' },
    ]);
  });

  it('refuse a decimal that is a string: Observation.valueQuantity.value "high"', () => {
    const resource = { ...examples.heartRate(refs, WHEN), valueQuantity: { value: 'high', unit: '/min' } };
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.valueQuantity.value', message: 'must be a decimal (a JSON number)' },
    ]);
  });

  it("check primitives by R4's regexes and JSON types, in the order the elements come", () => {
    const resource = {
      ...observation(),
      effectiveDateTime: '25/11/2026',
      component: [{ code: { coding: [{ system: 'not a uri', code: '8480-6' }] }, valueInteger: 1.5 }],
      issued: '2026-11-25',
      language: 'en  GB',
    };
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.effectiveDateTime', message: 'must be a dateTime' },
      { location: 'Observation.component[0].code.coding[0].system', message: 'must be a uri' },
      { location: 'Observation.component[0].valueInteger', message: 'must be an integer' },
      { location: 'Observation.issued', message: 'must be an instant' },
      { location: 'Observation.language', message: 'must be a code' },
    ]);
  });

  it('refuse a day that is not on the calendar and a boolean written as a string', () => {
    const resource: Record<string, unknown> = {
      ...observation(),
      effectiveDateTime: '2026-02-31',
      valueBoolean: 'true',
    };
    delete resource.component;
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.effectiveDateTime', message: 'must be a dateTime (a day of the calendar)' },
      { location: 'Observation.valueBoolean', message: 'must be true or false' },
    ]);
  });

  it('refuse two forms of one choice: valueQuantity and valueString', () => {
    const resource = { ...examples.heartRate(refs, WHEN), valueString: 'fast' };
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.value[x]', message: 'must be only one of: valueQuantity, valueString' },
    ]);
  });

  it('refuse a code outside a required value set: Observation.status "finished"', () => {
    const [issue] = issuesOf({ ...observation(), status: 'finished' });
    expect(issue?.location).toBe('Observation.status');
    expect(issue?.message).toMatch(/^must be one of: registered, preliminary, final, amended/);
  });

  it('refuse a CodeableConcept with no coding of its required value set: Condition.clinicalStatus', () => {
    const resource = {
      ...examples.hypertension(refs, WHEN),
      clinicalStatus: {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'cured' }],
      },
    };
    expect(issuesOf(resource, ConditionStructure)).toEqual([
      {
        location: 'Condition.clinicalStatus',
        message:
          'must have a coding (system and code) of: active, recurrence, relapse, inactive, remission, resolved',
      },
    ]);
  });

  it('name errors inside backbone elements with their indexes', () => {
    const resource = observation();
    const [systolic, diastolic] = resource.component as Record<string, unknown>[];
    const { code: _code, ...withoutCode } = diastolic ?? {};
    const [range] = (systolic?.referenceRange ?? []) as Record<string, unknown>[];
    resource.component = [
      { ...systolic, referenceRange: [{ ...range, low: { value: 90, comparator: '<' } }] },
      withoutCode,
    ];
    expect(issuesOf(resource)).toEqual([
      {
        location: 'Observation.component[0].referenceRange[0].low.comparator',
        message: 'must not be present (max 0)',
      },
      { location: 'Observation.component[1].code', message: 'is required' },
    ]);
  });

  it('refuse a resource of another type, at resourceType', () => {
    expect(issuesOf({ ...observation(), resourceType: 'Condition' })).toEqual([
      { location: 'Observation.resourceType', message: 'must be Observation' },
    ]);
    expect(issuesOf([observation()])).toEqual([
      { location: 'Observation', message: 'must be a JSON object (Observation)' },
    ]);
  });

  it('accept the _element extensions of primitives, and check them as Elements', () => {
    const absent = {
      extension: [
        { url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' },
      ],
    };
    const { status: _status, ...withoutStatus } = observation();
    expect(issuesOf({ ...withoutStatus, _status: absent })).toEqual([]);
    expect(issuesOf({ ...observation(), _status: { extension: [{ valueCode: 'unknown' }] } })).toEqual([
      { location: 'Observation._status.extension[0].url', message: 'is required' },
    ]);
    expect(issuesOf({ ...observation(), _code: absent })).toEqual([
      { location: 'Observation._code', message: 'is not a known element' },
    ]);
  });

  it('check extensions and modifier extensions as Extension: a url and one value', () => {
    const resource = {
      ...observation(),
      extension: [{ url: 'http://example.org/cuff-size', valueString: 'adult', valueCode: 'adult' }],
      modifierExtension: [{ valueBoolean: true }],
    };
    expect(issuesOf(resource)).toEqual([
      {
        location: 'Observation.extension[0].value[x]',
        message: 'must be only one of: valueString, valueCode',
      },
      { location: 'Observation.modifierExtension[0].url', message: 'is required' },
    ]);
  });

  it('refuse null, empty objects, arrays and strings (ele-1), in contained resources too', () => {
    const resource = {
      ...observation(),
      identifier: [],
      subject: {},
      note: [null],
      bodySite: { text: '' },
      contained: [{ resourceType: 'Device', note: [] }, { id: 'no-type' }],
    };
    expect(issuesOf(resource)).toEqual([
      { location: 'Observation.subject', message: 'must not be an empty object' },
      { location: 'Observation.identifier', message: 'must not be an empty array' },
      { location: 'Observation.note[0]', message: 'must not be null' },
      { location: 'Observation.bodySite.text', message: 'must not be empty' },
      { location: 'Observation.contained[0].note', message: 'must not be an empty array' },
      { location: 'Observation.contained[1]', message: 'must be a resource (with its resourceType)' },
    ]);
  });

  it('give zod issues with the element path, which describeIssues names as OperationOutcome does', () => {
    const resource: Record<string, unknown> = {
      ...observation(),
      status: 'finished',
      colour: 'red',
      valueQuantity: { value: 'high' },
    };
    delete resource.component;
    const parsed = structureSchema(ObservationStructure).safeParse(resource);
    if (parsed.success) throw new Error('expected the Observation to be refused');
    expect(describeIssues('Observation', parsed.error).map((issue) => issue.location)).toEqual([
      'Observation.status',
      'Observation.colour',
      'Observation.valueQuantity.value',
    ]);
    expect(describeIssues('Observation', parsed.error)).toContainEqual({
      location: 'Observation.colour',
      message: 'is not a known element',
    });
  });

  it('describe Binary: contentType and base64 data, and no narrative', () => {
    const binary = { resourceType: 'Binary', contentType: 'application/pdf', data: 'JVBERi0xLjQK' };
    expect(validateResource(BinaryStructure, binary)).toEqual([]);
    expect(
      validateResource(BinaryStructure, { ...binary, data: 'not base64!', text: { status: 'empty' } }),
    ).toEqual([
      { location: 'Binary.data', message: 'must be base64Binary (base64 data)' },
      { location: 'Binary.text', message: 'is not a known element' },
    ]);
    expect(validateResource(BinaryStructure, { resourceType: 'Binary' })).toEqual([
      { location: 'Binary.contentType', message: 'is required' },
    ]);
  });

  it("leave out the elements Medplum's definitions add to R4's: Meta.project, Binary.url", () => {
    expect(issuesOf({ ...observation(), meta: { versionId: '1', project: 'p-1' } })).toEqual([
      { location: 'Observation.meta.project', message: 'is not a known element' },
    ]);
    const binary = { resourceType: 'Binary', contentType: 'text/plain', url: 'https://example.org/b' };
    expect(validateResource(BinaryStructure, binary)).toEqual([
      { location: 'Binary.url', message: 'is not a known element' },
    ]);
  });

  it('are what bin/generate-fhir.ts writes from the installed definitions (npm run generate:fhir -- --check)', () => {
    const check = spawnSync(process.execPath, [join(ROOT, 'bin/generate-fhir.ts'), '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
