import { compartmentAccess } from '../../auth/compartment.ts';
import { Patient } from '../../fhir/patient.ts';
import { patientDefinition } from '../../resources/patient.ts';
import { patientAccessOf } from '../patient-access.ts';
import { knownPatientHead } from './patient-decision.ts';
import type { ResourceType } from './types.ts';

/**
 * Patient: the compartment's own resource (its patient is itself, it names no actors), under
 * the rule of every resource in a Patient's compartment; the Patient policy decides on the
 * record itself, so no second read, also for the records of their compartment the same request
 * reads after it (`$everything`: knownPatientHead).
 */
export const patientType: ResourceType<Patient> = {
  ...patientDefinition,
  schema: Patient,
  access: (request, stored, intent) => {
    knownPatientHead(request, stored);
    return compartmentAccess(request.principal, { patientId: stored.id, practitionerIds: [] }, intent, () =>
      patientAccessOf(request).decide(stored.id, stored.resource, intent),
    );
  },
};
