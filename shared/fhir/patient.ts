/** FHIR R4 Patient (https://hl7.org/fhir/R4/patient.html). */
import * as z from 'zod/mini';
import {
  Address,
  Attachment,
  backboneElementFields,
  CodeableConcept,
  ContactPoint,
  codes,
  domainResourceFields,
  fhirObject,
  HumanName,
  Identifier,
  list,
  Period,
  primitiveElement,
  Reference,
} from './datatypes.ts';
import * as fhir from './primitives.ts';
import { expecting } from './primitives.ts';

export const AdministrativeGender = codes(['male', 'female', 'other', 'unknown']);

const PatientContact = fhirObject({
  ...backboneElementFields,
  relationship: z.optional(list(CodeableConcept)),
  name: z.optional(HumanName),
  telecom: z.optional(list(ContactPoint)),
  address: z.optional(Address),
  gender: z.optional(AdministrativeGender),
  _gender: primitiveElement,
  organization: z.optional(Reference),
  period: z.optional(Period),
});

const PatientCommunication = fhirObject({
  ...backboneElementFields,
  language: CodeableConcept,
  preferred: z.optional(fhir.boolean),
  _preferred: primitiveElement,
});

const PatientLink = fhirObject({
  ...backboneElementFields,
  other: Reference,
  type: codes(['replaced-by', 'replaces', 'refer', 'seealso']),
  _type: primitiveElement,
});

/** value[x] is one element in FHIR: both forms at once is not a Patient. */
function atMostOne(first: string, second: string) {
  return z.refine<object>((resource) => !(first in resource && second in resource), {
    message: `must not be given together with ${first}`,
    path: [second],
  });
}

export const Patient = z
  .strictObject({
    resourceType: z.literal('Patient', expecting('Patient')),
    ...domainResourceFields,
    identifier: z.optional(list(Identifier)),
    active: z.optional(fhir.boolean),
    _active: primitiveElement,
    name: z.optional(list(HumanName)),
    telecom: z.optional(list(ContactPoint)),
    gender: z.optional(AdministrativeGender),
    _gender: primitiveElement,
    birthDate: z.optional(fhir.date),
    _birthDate: primitiveElement,
    deceasedBoolean: z.optional(fhir.boolean),
    _deceasedBoolean: primitiveElement,
    deceasedDateTime: z.optional(fhir.dateTime),
    _deceasedDateTime: primitiveElement,
    address: z.optional(list(Address)),
    maritalStatus: z.optional(CodeableConcept),
    multipleBirthBoolean: z.optional(fhir.boolean),
    _multipleBirthBoolean: primitiveElement,
    multipleBirthInteger: z.optional(fhir.integer),
    _multipleBirthInteger: primitiveElement,
    photo: z.optional(list(Attachment)),
    contact: z.optional(list(PatientContact)),
    communication: z.optional(list(PatientCommunication)),
    generalPractitioner: z.optional(list(Reference)),
    managingOrganization: z.optional(Reference),
    link: z.optional(list(PatientLink)),
  })
  .check(
    atMostOne('deceasedBoolean', 'deceasedDateTime'),
    atMostOne('multipleBirthBoolean', 'multipleBirthInteger'),
  );
export type Patient = z.infer<typeof Patient>;
