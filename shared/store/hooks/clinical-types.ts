/**
 * The clinical types as the engine serves them: definition + structure (clinical-schemas.ts).
 * Each is its own export, marked pure, so that a bundle carries only the structures it reads.
 */
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
import {
  allergyIntoleranceSchema,
  careTeamSchema,
  conditionSchema,
  documentReferenceSchema,
  encounterSchema,
  immunizationSchema,
  medicationRequestSchema,
  observationSchema,
  procedureSchema,
} from './clinical-schemas.ts';

export const encounterType = /* @__PURE__ */ clinicalType(encounterDefinition, encounterSchema);
export const observationType = /* @__PURE__ */ clinicalType(observationDefinition, observationSchema);
export const conditionType = /* @__PURE__ */ clinicalType(conditionDefinition, conditionSchema);
export const allergyIntoleranceType = /* @__PURE__ */ clinicalType(
  allergyIntoleranceDefinition,
  allergyIntoleranceSchema,
);
export const medicationRequestType = /* @__PURE__ */ clinicalType(
  medicationRequestDefinition,
  medicationRequestSchema,
);
export const procedureType = /* @__PURE__ */ clinicalType(procedureDefinition, procedureSchema);
export const immunizationType = /* @__PURE__ */ clinicalType(immunizationDefinition, immunizationSchema);
export const documentReferenceType = /* @__PURE__ */ clinicalType(
  documentReferenceDefinition,
  documentReferenceSchema,
);
export const careTeamType = /* @__PURE__ */ clinicalType(careTeamDefinition, careTeamSchema);
