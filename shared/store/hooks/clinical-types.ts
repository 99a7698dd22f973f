/**
 * The clinical types as the engine serves them: definition + structure. Each is its own
 * export, marked pure, so that a bundle carries only the structures it reads.
 */
import { resourceStructure } from '../../fhir/clinical.ts';
import {
  allergyIntoleranceDefinition,
  careTeamDefinition,
  conditionDefinition,
  documentReferenceDefinition,
  encounterDefinition,
  immunizationDefinition,
  medicationRequestDefinition,
  observationDefinition,
  procedureDefinition,
} from '../../resources/clinical.ts';
import { clinicalType } from './clinical.ts';

export const encounterType = /* @__PURE__ */ clinicalType(
  encounterDefinition,
  resourceStructure('Encounter'),
);
export const observationType = /* @__PURE__ */ clinicalType(
  observationDefinition,
  resourceStructure('Observation'),
);
export const conditionType = /* @__PURE__ */ clinicalType(
  conditionDefinition,
  resourceStructure('Condition'),
);
export const allergyIntoleranceType = /* @__PURE__ */ clinicalType(
  allergyIntoleranceDefinition,
  resourceStructure('AllergyIntolerance'),
);
export const medicationRequestType = /* @__PURE__ */ clinicalType(
  medicationRequestDefinition,
  resourceStructure('MedicationRequest'),
);
export const procedureType = /* @__PURE__ */ clinicalType(
  procedureDefinition,
  resourceStructure('Procedure'),
);
export const immunizationType = /* @__PURE__ */ clinicalType(
  immunizationDefinition,
  resourceStructure('Immunization'),
);
export const documentReferenceType = /* @__PURE__ */ clinicalType(
  documentReferenceDefinition,
  resourceStructure('DocumentReference'),
);
export const careTeamType = /* @__PURE__ */ clinicalType(careTeamDefinition, resourceStructure('CareTeam'));
