/**
 * Small, valid examples of every request body in `/openapi.json`, and of the resources the
 * API answers with. Swagger UI fills "Try it out" with these; without them it generates a
 * sample from the schemas (FHIR's recursive extensions: about a megabyte of random data, the
 * tab frozen for a minute, and a 400). test/integration/dx-openapi-examples.test.ts posts
 * each one to its route, with the placeholder ids below replaced, so they stay valid.
 */

import { noteAttachment, visitExamples } from '../fhir/clinical-examples.ts';
import type { ClinicalType } from '../resources/clinical.ts';
import type { RouteId } from '../routes.ts';
import { WORKING_HOURS_URL } from '../schedule/working-hours.ts';

/** Ids the examples refer to: replace them with ids of your organization. */
export const EXAMPLE_IDS = {
  patient: 'example-patient',
  practitioner: 'example-practitioner',
  appointment: 'example-appointment',
  /** The record a clinical type's PUT replaces. */
  record: 'example-record',
} as const;

export interface Example {
  summary: string;
  description?: string;
  value: unknown;
}

const DAY = 86_400_000;

/** The first Monday at least two days after `now`, as YYYY-MM-DD (UTC). */
function nextMonday(now: number): string {
  let day = Math.floor(now / DAY) * DAY + 2 * DAY;
  while (new Date(day).getUTCDay() !== 1) day += DAY;
  return new Date(day).toISOString().slice(0, 10);
}

const patient = {
  resourceType: 'Patient',
  identifier: [{ system: 'https://example.org/mrn', value: 'MRN-20240001' }],
  name: [{ family: 'Jansen', given: ['Eva'] }],
  gender: 'female',
  birthDate: '1984-07-12',
};

const practitioner = {
  resourceType: 'Practitioner',
  active: true,
  name: [{ family: 'de Vries', given: ['Sanne'], prefix: ['Dr.'] }],
  extension: [
    {
      url: WORKING_HOURS_URL,
      extension: [
        ...['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ url: 'daysOfWeek', valueCode: day })),
        { url: 'availableStartTime', valueTime: '08:00:00' },
        { url: 'availableEndTime', valueTime: '18:00:00' },
        { url: 'timeZone', valueCode: 'Europe/Amsterdam' },
      ],
    },
  ],
};

/** 12:00-12:30 UTC on a Monday: 13:00 or 14:00 in Amsterdam, inside the example's hours. */
function appointment(now: number) {
  const day = nextMonday(now);
  return {
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Follow-up visit',
    start: `${day}T12:00:00Z`,
    end: `${day}T12:30:00Z`,
    participant: [
      { actor: { reference: `Patient/${EXAMPLE_IDS.patient}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${EXAMPLE_IDS.practitioner}` }, status: 'accepted' },
    ],
  };
}

const REPLACE_IDS = `Replace ${Object.values(EXAMPLE_IDS).join(', ')} with ids of your organization.`;

const visitRefs = { patient: EXAMPLE_IDS.patient, practitioner: EXAMPLE_IDS.practitioner };
const VISIT = '2026-01-05T09:30:00Z';
const clinical = visitExamples(visitRefs, VISIT);

/** A search US Core 6.1 asks of each type (with `patient`), as a `_search` form. */
const US_CORE_SEARCH: Record<ClinicalType, { summary: string; form: Record<string, string> }> = {
  Encounter: { summary: 'The patient’s visits since 2026', form: { date: 'ge2026-01-01' } },
  Observation: { summary: 'The patient’s vital signs', form: { category: 'vital-signs' } },
  Condition: { summary: 'The patient’s active conditions', form: { 'clinical-status': 'active' } },
  AllergyIntolerance: { summary: 'The patient’s active allergies', form: { 'clinical-status': 'active' } },
  MedicationRequest: { summary: 'The patient’s active orders', form: { intent: 'order', status: 'active' } },
  Procedure: { summary: 'The patient’s procedures since 2026', form: { date: 'ge2026-01-01' } },
  Immunization: { summary: 'The patient’s immunizations', form: {} },
  DocumentReference: { summary: 'The patient’s clinical notes', form: { category: 'clinical-note' } },
  CareTeam: { summary: 'The patient’s active care teams', form: { status: 'active' } },
};

/** Create, replace, patch and search examples of each clinical type. */
function clinicalExamples(): Partial<Record<RouteId, Example>> {
  const examples: Partial<Record<RouteId, Example>> = {};
  for (const [type, resource] of Object.entries(clinical) as [ClinicalType, object][]) {
    examples[`create${type}`] = {
      summary: `A ${type} of a telemedicine visit`,
      description: REPLACE_IDS,
      value: resource,
    };
    examples[`update${type}`] = {
      summary: 'The whole resource, with its id (PUT replaces: what is left out is removed)',
      description: REPLACE_IDS,
      value: { ...resource, id: EXAMPLE_IDS.record, language: 'en' },
    };
    examples[`patch${type}`] = {
      summary: 'Say the record is in English (JSON Patch)',
      value: [{ op: 'add', path: '/language', value: 'en' }],
    };
    const search = US_CORE_SEARCH[type];
    examples[`search${type}Post`] = {
      summary: search.summary,
      description: REPLACE_IDS,
      value: { patient: EXAMPLE_IDS.patient, ...search.form },
    };
  }
  return examples;
}

/** The example body of each route that takes one. */
export function requestExamples(now: number): Partial<Record<RouteId, Example>> {
  return {
    ...clinicalExamples(),
    createBinary: {
      summary: 'A text attachment of the patient, base64-encoded',
      description: REPLACE_IDS,
      value: noteAttachment(visitRefs),
    },
    createPatient: { summary: 'A new patient', value: patient },
    updatePatient: {
      summary: 'The whole resource, with its id (PUT replaces: what is left out is removed)',
      description: REPLACE_IDS,
      value: {
        ...patient,
        id: EXAMPLE_IDS.patient,
        telecom: [{ system: 'email', value: 'eva.jansen@example.org' }],
      },
    },
    patchPatient: {
      summary: 'Add a phone number (JSON Patch)',
      value: [{ op: 'add', path: '/telecom', value: [{ system: 'phone', value: '+31 20 555 0101' }] }],
    },
    createPractitioner: {
      summary: 'A practitioner who works Monday to Friday, 08:00-18:00 in Amsterdam',
      value: practitioner,
    },
    createAppointment: {
      summary: 'A 30-minute visit next week, inside the practitioner’s working hours',
      description: `${REPLACE_IDS} start must be in the future, inside the practitioner's working hours.`,
      value: appointment(now),
    },
    updateAppointment: {
      summary: 'The whole resource, with its id: the patient has arrived',
      description: `${REPLACE_IDS} start, end and participants stay as booked.`,
      value: { ...appointment(now), id: EXAMPLE_IDS.appointment, status: 'arrived' },
    },
    patchAppointment: {
      summary: 'The patient has arrived (JSON Patch)',
      value: [{ op: 'replace', path: '/status', value: 'arrived' }],
    },
    // POST /<type>/_search: the form fields, which Swagger UI encodes (repeated for arrays).
    searchPatientsPost: {
      summary: 'Patients by family name and birth date, without either in the URL',
      value: { family: 'jansen', birthdate: '1984-07-12' },
    },
    searchPractitionersPost: { summary: 'Practitioners by name', value: { name: 'vries' } },
    searchAppointmentsPost: {
      summary: 'The visits of a practitioner',
      description: REPLACE_IDS,
      value: { practitioner: EXAMPLE_IDS.practitioner },
    },
    searchAuditEventsPost: {
      summary: 'The access log of the last day',
      value: {
        date: [`ge${new Date(now - DAY).toISOString()}`, `le${new Date(now).toISOString()}`],
        _count: '20',
      },
    },
    batch: {
      summary: 'Register a patient and search, in one request',
      value: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { request: { method: 'POST', url: 'Patient' }, resource: patient },
          { request: { method: 'GET', url: 'Patient?family=jansen&birthdate=1984-07-12' } },
        ],
      },
    },
  };
}

const meta = { versionId: '1', lastUpdated: '2026-01-05T09:30:00.000Z' };

/** A resource as the API answers it, for each resource type with a schema. */
export function resourceExamples(now: number): Record<string, unknown> {
  return {
    Patient: { ...patient, id: EXAMPLE_IDS.patient, meta },
    Practitioner: { ...practitioner, id: EXAMPLE_IDS.practitioner, meta },
    Appointment: { ...appointment(now), id: EXAMPLE_IDS.appointment, meta },
    ...Object.fromEntries(
      Object.entries(clinical).map(([type, resource]) => [
        type,
        { ...resource, id: EXAMPLE_IDS.record, meta },
      ]),
    ),
  };
}
