/**
 * The clinical types' R4 structures (generated from the official definitions, shared/fhir/r4/)
 * as the schemas their records are parsed with. Apart from the store's types
 * (clinical-types.ts), so that what needs only the schemas (the routes' contracts, the OpenAPI
 * document) does not carry the store. Each is its own export, marked pure: a bundle carries
 * only the structures it uses.
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
import type { FhirResource } from './clinical.ts';

export const encounterSchema = /* @__PURE__ */ structureSchema<FhirResource>(EncounterStructure);
export const observationSchema = /* @__PURE__ */ structureSchema<FhirResource>(ObservationStructure);
export const conditionSchema = /* @__PURE__ */ structureSchema<FhirResource>(ConditionStructure);
export const allergyIntoleranceSchema =
  /* @__PURE__ */ structureSchema<FhirResource>(AllergyIntoleranceStructure);
export const medicationRequestSchema =
  /* @__PURE__ */ structureSchema<FhirResource>(MedicationRequestStructure);
export const procedureSchema = /* @__PURE__ */ structureSchema<FhirResource>(ProcedureStructure);
export const immunizationSchema = /* @__PURE__ */ structureSchema<FhirResource>(ImmunizationStructure);
export const documentReferenceSchema =
  /* @__PURE__ */ structureSchema<FhirResource>(DocumentReferenceStructure);
export const careTeamSchema = /* @__PURE__ */ structureSchema<FhirResource>(CareTeamStructure);
