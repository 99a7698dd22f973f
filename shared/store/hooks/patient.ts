import { Patient } from '../../fhir/patient.ts';
import { patientDefinition } from '../../resources/patient.ts';
import { patientAccessOf } from '../patient-access.ts';
import type { ResourceType } from './types.ts';

/** Patient: the compartment's own resource, under the Patient policy. */
export const patientType: ResourceType<Patient> = {
  ...patientDefinition,
  schema: Patient,
  access: (request, stored, intent) => patientAccessOf(request).decide(stored.id, stored.resource, intent),
};
