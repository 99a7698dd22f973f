import { appointmentDefinition } from './appointment.ts';
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
];
