/**
 * One plausible resource of each clinical type from a telemedicine visit, with real codes
 * (LOINC, SNOMED CT, ICD-10, RxNorm, CVX). The OpenAPI request examples, `npm run seed` and the
 * tests build on these, so what the documents show is what the tests prove valid.
 */

/** What a visit's resources reference: the patient, the practitioner, the encounter of the visit. */
export interface VisitReferences {
  patient: string;
  practitioner: string;
  encounter?: string;
  appointment?: string;
}

const SNOMED = 'http://snomed.info/sct';
const LOINC = 'http://loinc.org';
const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const UCUM = 'http://unitsofmeasure.org';

const encounterOf = (refs: VisitReferences) =>
  refs.encounter === undefined ? {} : { encounter: { reference: `Encounter/${refs.encounter}` } };

/** A video visit (`class` VR) that fulfils an appointment, 20 minutes from `start`. */
export function videoVisit(refs: VisitReferences, start: string) {
  const end = new Date(Date.parse(start) + 20 * 60_000).toISOString();
  return {
    resourceType: 'Encounter',
    status: 'finished',
    class: {
      system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
      code: 'VR',
      display: 'virtual',
    },
    type: [
      { coding: [{ system: SNOMED, code: '448337001', display: 'Telemedicine consultation with patient' }] },
    ],
    subject: { reference: `Patient/${refs.patient}` },
    participant: [{ individual: { reference: `Practitioner/${refs.practitioner}` } }],
    ...(refs.appointment === undefined
      ? {}
      : { appointment: [{ reference: `Appointment/${refs.appointment}` }] }),
    period: { start, end },
  };
}

/** A blood pressure panel (LOINC 85354-9) with its systolic and diastolic components. */
export function bloodPressure(refs: VisitReferences, effective: string, systolic = 128, diastolic = 82) {
  const component = (code: string, display: string, value: number, low: number, high: number) => ({
    code: { coding: [{ system: LOINC, code, display }] },
    valueQuantity: { value, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
    referenceRange: [
      {
        low: { value: low, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
        high: { value: high, unit: 'mmHg', system: UCUM, code: 'mm[Hg]' },
      },
    ],
  });
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          {
            system: 'http://terminology.hl7.org/CodeSystem/observation-category',
            code: 'vital-signs',
            display: 'Vital Signs',
          },
        ],
      },
    ],
    code: {
      coding: [
        { system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' },
      ],
    },
    subject: { reference: `Patient/${refs.patient}` },
    ...encounterOf(refs),
    effectiveDateTime: effective,
    performer: [{ reference: `Practitioner/${refs.practitioner}` }],
    component: [
      component('8480-6', 'Systolic blood pressure', systolic, 90, 120),
      component('8462-4', 'Diastolic blood pressure', diastolic, 60, 80),
    ],
  };
}

/** A heart rate (LOINC 8867-4) in beats per minute. */
export function heartRate(refs: VisitReferences, effective: string, value = 72) {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: LOINC, code: '8867-4', display: 'Heart rate' }] },
    subject: { reference: `Patient/${refs.patient}` },
    ...encounterOf(refs),
    effectiveDateTime: effective,
    valueQuantity: { value, unit: 'beats/minute', system: UCUM, code: '/min' },
  };
}

/** A body weight (LOINC 29463-7) in kilograms. */
export function bodyWeight(refs: VisitReferences, effective: string, kilograms = 72) {
  return {
    ...heartRate(refs, effective),
    code: { coding: [{ system: LOINC, code: '29463-7', display: 'Body weight' }] },
    valueQuantity: { value: kilograms, unit: 'kg', system: UCUM, code: 'kg' },
  };
}

/** An encounter diagnosis of essential hypertension (SNOMED CT 59621000, ICD-10 I10). */
export function hypertension(refs: VisitReferences, recorded: string) {
  return {
    resourceType: 'Condition',
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }],
    },
    verificationStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-ver-status', code: 'confirmed' }],
    },
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'encounter-diagnosis' },
        ],
      },
    ],
    code: {
      coding: [
        { system: SNOMED, code: '59621000', display: 'Essential hypertension' },
        {
          system: 'http://hl7.org/fhir/sid/icd-10',
          code: 'I10',
          display: 'Essential (primary) hypertension',
        },
      ],
    },
    subject: { reference: `Patient/${refs.patient}` },
    ...encounterOf(refs),
    onsetDateTime: recorded.slice(0, 10),
    recordedDate: recorded,
    asserter: { reference: `Practitioner/${refs.practitioner}` },
  };
}

/** A confirmed, high-criticality penicillin allergy (RxNorm 70618) with hives. */
export function penicillinAllergy(refs: VisitReferences, recorded: string) {
  return {
    resourceType: 'AllergyIntolerance',
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'active' },
      ],
    },
    verificationStatus: {
      coding: [
        {
          system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-verification',
          code: 'confirmed',
        },
      ],
    },
    type: 'allergy',
    category: ['medication'],
    criticality: 'high',
    code: { coding: [{ system: RXNORM, code: '70618', display: 'Penicillin' }] },
    patient: { reference: `Patient/${refs.patient}` },
    recordedDate: recorded,
    recorder: { reference: `Practitioner/${refs.practitioner}` },
    reaction: [{ manifestation: [{ coding: [{ system: SNOMED, code: '247472004', display: 'Hives' }] }] }],
  };
}

/** A prescription of lisinopril 10 mg tablets once daily (RxNorm 314076). */
export function lisinopril(refs: VisitReferences, authored: string) {
  return {
    resourceType: 'MedicationRequest',
    status: 'active',
    intent: 'order',
    medicationCodeableConcept: {
      coding: [{ system: RXNORM, code: '314076', display: 'lisinopril 10 MG Oral Tablet' }],
    },
    subject: { reference: `Patient/${refs.patient}` },
    ...encounterOf(refs),
    authoredOn: authored,
    requester: { reference: `Practitioner/${refs.practitioner}` },
    dosageInstruction: [{ text: 'One tablet by mouth once daily' }],
  };
}

/** An electrocardiogram (SNOMED CT 29303009). */
export function electrocardiogram(refs: VisitReferences, performed: string) {
  return {
    resourceType: 'Procedure',
    status: 'completed',
    code: { coding: [{ system: SNOMED, code: '29303009', display: 'Electrocardiographic procedure' }] },
    subject: { reference: `Patient/${refs.patient}` },
    ...encounterOf(refs),
    performedDateTime: performed,
    performer: [{ actor: { reference: `Practitioner/${refs.practitioner}` } }],
  };
}

/** A seasonal influenza vaccination (CVX 140). */
export function fluShot(refs: VisitReferences, occurrence: string) {
  return {
    resourceType: 'Immunization',
    status: 'completed',
    vaccineCode: {
      coding: [
        {
          system: 'http://hl7.org/fhir/sid/cvx',
          code: '140',
          display: 'Influenza, seasonal, injectable, preservative free',
        },
      ],
    },
    patient: { reference: `Patient/${refs.patient}` },
    occurrenceDateTime: occurrence,
    primarySource: true,
    performer: [{ actor: { reference: `Practitioner/${refs.practitioner}` } }],
  };
}

/**
 * A visit note (LOINC 11506-3, progress note): its text in a Binary (`attachment.url`), or
 * inline as `data` when no Binary is given.
 */
export function visitNote(refs: VisitReferences, date: string, binary?: string) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    type: { coding: [{ system: LOINC, code: '11506-3', display: 'Progress note' }] },
    category: [
      {
        coding: [
          {
            system: 'http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category',
            code: 'clinical-note',
          },
        ],
      },
    ],
    subject: { reference: `Patient/${refs.patient}` },
    date,
    author: [{ reference: `Practitioner/${refs.practitioner}` }],
    content: [
      {
        attachment:
          binary === undefined
            ? { contentType: 'text/plain', data: Buffer.from('Follow-up in four weeks.').toString('base64') }
            : { contentType: 'text/plain', url: `Binary/${binary}` },
      },
    ],
    ...(refs.encounter === undefined
      ? {}
      : { context: { encounter: [{ reference: `Encounter/${refs.encounter}` }] } }),
  };
}

/** An active care team with the practitioner as a member from `start` (a care relationship). */
export function careTeam(refs: VisitReferences, start: string, end?: string) {
  return {
    resourceType: 'CareTeam',
    status: 'active',
    category: [
      {
        coding: [
          { system: LOINC, code: 'LA28865-6', display: 'Longitudinal care-coordination focused care team' },
        ],
      },
    ],
    subject: { reference: `Patient/${refs.patient}` },
    period: { start, ...(end === undefined ? {} : { end }) },
    participant: [
      {
        role: [{ coding: [{ system: SNOMED, code: '446050000', display: 'Primary care physician' }] }],
        member: { reference: `Practitioner/${refs.practitioner}` },
      },
    ],
  };
}

/** A small attachment of the patient: a visit note's text as a Binary (its body base64). */
export function noteAttachment(refs: VisitReferences, text = 'Follow-up in four weeks.') {
  return {
    resourceType: 'Binary',
    contentType: 'text/plain',
    securityContext: { reference: `Patient/${refs.patient}` },
    data: Buffer.from(text).toString('base64'),
  };
}

/** One example of each clinical type, for a visit at `when`. */
export function visitExamples(refs: VisitReferences, when: string) {
  return {
    Encounter: videoVisit(refs, when),
    Observation: bloodPressure(refs, when),
    Condition: hypertension(refs, when),
    AllergyIntolerance: penicillinAllergy(refs, when),
    MedicationRequest: lisinopril(refs, when),
    Procedure: electrocardiogram(refs, when),
    Immunization: fluShot(refs, when),
    DocumentReference: visitNote(refs, when),
    CareTeam: careTeam(refs, when),
  } as const;
}
