/**
 * The clinical types as the engine serves them: definition + structure (generated from the
 * official R4 definitions, shared/fhir/r4/). Each is its own export, marked pure, so that a
 * bundle carries only the structures it reads.
 */
import { AllergyIntoleranceStructure } from '../../fhir/r4/allergy-intolerance.generated.ts';
import { CareTeamStructure } from '../../fhir/r4/care-team.generated.ts';
import { ConditionStructure } from '../../fhir/r4/condition.generated.ts';
import { DocumentReferenceStructure } from '../../fhir/r4/document-reference.generated.ts';
import { EncounterStructure } from '../../fhir/r4/encounter.generated.ts';
import { ImmunizationStructure } from '../../fhir/r4/immunization.generated.ts';
import { MedicationRequestStructure } from '../../fhir/r4/medication-request.generated.ts';
import { ObservationStructure } from '../../fhir/r4/observation.generated.ts';
import { ProcedureStructure } from '../../fhir/r4/procedure.generated.ts';
import { structureSchema } from '../../fhir/structure.ts';
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
import { clinicalType, type FhirResource } from './clinical.ts';

export const encounterType = /* @__PURE__ */ clinicalType(
  encounterDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(EncounterStructure),
);
export const observationType = /* @__PURE__ */ clinicalType(
  observationDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(ObservationStructure),
);
export const conditionType = /* @__PURE__ */ clinicalType(
  conditionDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(ConditionStructure),
);
export const allergyIntoleranceType = /* @__PURE__ */ clinicalType(
  allergyIntoleranceDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(AllergyIntoleranceStructure),
);
export const medicationRequestType = /* @__PURE__ */ clinicalType(
  medicationRequestDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(MedicationRequestStructure),
);
export const procedureType = /* @__PURE__ */ clinicalType(
  procedureDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(ProcedureStructure),
);
export const immunizationType = /* @__PURE__ */ clinicalType(
  immunizationDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(ImmunizationStructure),
);
export const documentReferenceType = /* @__PURE__ */ clinicalType(
  documentReferenceDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(DocumentReferenceStructure),
);
export const careTeamType = /* @__PURE__ */ clinicalType(
  careTeamDefinition,
  /* @__PURE__ */ structureSchema<FhirResource>(CareTeamStructure),
);
