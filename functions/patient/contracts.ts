/**
 * What the Patient routes accept, apart from their handlers: the handlers use these, and the
 * OpenAPI document is generated from them without bundling any handler's dependencies.
 */
import * as z from 'zod/mini';
import { JsonPatch } from '../../shared/fhir/json-patch.ts';
import { AdministrativeGender, Patient } from '../../shared/fhir/patient.ts';
import { date, id, instant } from '../../shared/fhir/primitives.ts';
import { contractsFor } from '../../shared/http/contract.ts';
import {
  count,
  cursor,
  HistoryQuery,
  IdParams,
  nameStartValue,
  searchValue,
  VersionParams,
} from '../../shared/http/params.ts';
import { EVERYTHING_TYPES, type EverythingType, REVINCLUDE_VALUES } from '../../shared/resources/registry.ts';

const PatientQuery = z.strictObject({
  _id: z.optional(id),
  family: nameStartValue('family'),
  given: nameStartValue('given'),
  name: nameStartValue('name'),
  'family:exact': searchValue(),
  'given:exact': searchValue(),
  'name:exact': searchValue(),
  birthdate: z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(
          z.regex(
            /^(eq)?\d{4}(-\d{2}(-\d{2})?)?$/,
            'must be a date (YYYY, YYYY-MM or YYYY-MM-DD); only equality is served',
          ),
        ),
      z.transform((value) => value.replace(/^eq/, '')),
    ),
  ),
  gender: z.optional(AdministrativeGender),
  identifier: searchValue(512),
  _count: count,
  _cursor: cursor,
  _revinclude: z.optional(
    z.union([
      z.enum(REVINCLUDE_VALUES, `must be one of: ${REVINCLUDE_VALUES.join(', ')}`),
      z
        .array(z.enum(REVINCLUDE_VALUES, `must be one of: ${REVINCLUDE_VALUES.join(', ')}`))
        .check(z.maxLength(REVINCLUDE_VALUES.length, 'names each type once')),
    ]),
  ),
});

/** `$everything`: care dates, `_since`, `_type` (a comma-separated list), paging. */
const EverythingQuery = z.strictObject({
  start: z.optional(date),
  end: z.optional(date),
  _since: z.optional(instant),
  _type: z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(
          z.refine(
            (value) =>
              value.split(',').every((type) => (EVERYTHING_TYPES as readonly string[]).includes(type)),
            `must be a comma-separated list of ${EVERYTHING_TYPES.join(', ')}`,
          ),
        ),
      z.transform((value) => value.split(',') as EverythingType[]),
    ),
  ),
  _count: count,
  _cursor: cursor,
});

export const contracts = contractsFor({
  createPatient: { body: Patient, resourceType: 'Patient', idempotencyKey: true },
  searchPatients: { query: PatientQuery },
  // POST /<type>/_search: the same parameters, form-encoded in the body.
  searchPatientsPost: { query: PatientQuery },
  readPatient: { params: IdParams },
  updatePatient: { params: IdParams, body: Patient, resourceType: 'Patient' },
  patchPatient: { params: IdParams, body: JsonPatch, bodyType: 'json-patch', resourceType: 'JsonPatch' },
  deletePatient: { params: IdParams },
  patientHistory: { params: IdParams, query: HistoryQuery },
  readPatientVersion: { params: VersionParams },
  patientEverything: { params: IdParams, query: EverythingQuery },
});
