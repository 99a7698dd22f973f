import { appointmentDefinition } from './appointment.ts';
import { binaryDefinition } from './binary.ts';
import { clinicalDefinitions } from './clinical.ts';
import type { ResourceDefinition } from './definition.ts';
import { patientDefinition } from './patient.ts';
import { practitionerDefinition } from './practitioner.ts';

/**
 * Every resource type the engine (shared/store/repository.ts) serves, as data: the route table's
 * clinical routes, the scopes check and the documents derive their lists from here.
 */
export const engineDefinitions: readonly ResourceDefinition[] = [
  patientDefinition,
  practitionerDefinition,
  appointmentDefinition,
  ...clinicalDefinitions,
  binaryDefinition,
];

/** What `Patient/{id}/$everything` returns, in the order it returns it (`_type` narrows it). */
export const EVERYTHING_TYPES = [
  'Patient',
  ...clinicalDefinitions.map((definition) => definition.resourceType),
  'Appointment',
] as const;
export type EverythingType = (typeof EVERYTHING_TYPES)[number];

/** The `_revinclude` values a Patient search serves: `<Type>:patient` of each clinical type. */
export const REVINCLUDE_VALUES = clinicalDefinitions.map(
  (definition) => `${definition.resourceType}:patient`,
);

/** The `_include` values a type's search serves: `Type:param` for each of its reference parameters. */
export const includeValues = (definition: ResourceDefinition): string[] =>
  definition.searchParameters
    .filter((parameter) => parameter.type === 'reference')
    .map((parameter) => `${definition.resourceType}:${parameter.name}`);
