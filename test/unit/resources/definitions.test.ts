import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appointmentDefinition } from '../../../shared/resources/appointment.ts';
import { patientDefinition } from '../../../shared/resources/patient.ts';
import { practitionerDefinition } from '../../../shared/resources/practitioner.ts';
import { routeEntries } from '../../../shared/routes.ts';
import { PATIENT_SEARCH_PARAMS } from '../../../shared/store/patient-index.ts';

const definitions = [patientDefinition, practitionerDefinition, appointmentDefinition];
const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('resource definitions', () => {
  it('import nothing at run time: every bundle may carry them', () => {
    for (const name of ['definition', 'patient', 'practitioner', 'appointment']) {
      const source = readFileSync(join(ROOT, 'shared', 'resources', `${name}.ts`), 'utf8');
      const imports = source.split('\n').filter((line) => /^import\s/.test(line));
      expect(
        imports.every((line) => /^import type\s/.test(line)),
        name,
      ).toBe(true);
    }
  });

  it('name their search parameters once each, with FHIRPath on their own type', () => {
    for (const definition of definitions) {
      const names = definition.searchParameters.map((parameter) => parameter.name);
      expect(new Set(names).size).toBe(names.length);
      for (const parameter of definition.searchParameters) {
        expect(parameter.expression).toMatch(new RegExp(`^(${definition.resourceType}|Resource)\\.`));
      }
    }
  });

  it('put Patient blind indexes where the store computes them', () => {
    const blind = patientDefinition.searchParameters
      .filter((parameter) => parameter.index === 'blind')
      .map((parameter) => parameter.name);
    expect(blind).toEqual([...PATIENT_SEARCH_PARAMS]);
  });

  it('follow the R4 Patient compartment: Patient is its own, Appointment by actor, Practitioner in none', () => {
    expect(patientDefinition.patientCompartment).toBe('self');
    expect(appointmentDefinition.patientCompartment).toEqual(['actor']);
    expect('patientCompartment' in practitionerDefinition).toBe(false);
  });

  it('are what the route table serves: each search route lists its type’s parameters', () => {
    const byType = new Map<string, (typeof definitions)[number]>(
      definitions.map((definition) => [definition.resourceType, definition]),
    );
    for (const [id, route] of routeEntries()) {
      const definition = route.resourceType ? byType.get(route.resourceType) : undefined;
      if (!definition || route.interaction !== 'search-type') continue;
      expect(route.searchParams, id).toBe(definition.searchParameters);
    }
  });
});
