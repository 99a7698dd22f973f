/** FHIR R4 Practitioner (https://hl7.org/fhir/R4/practitioner.html). */
import * as z from 'zod/mini';
import {
  Address,
  Attachment,
  backboneElementFields,
  CodeableConcept,
  ContactPoint,
  domainResourceFields,
  fhirObject,
  HumanName,
  Identifier,
  list,
  Period,
  primitiveElement,
  Reference,
} from './datatypes.ts';
import { AdministrativeGender } from './patient.ts';
import * as fhir from './primitives.ts';
import { expecting } from './primitives.ts';

const PractitionerQualification = fhirObject({
  ...backboneElementFields,
  identifier: z.optional(list(Identifier)),
  code: CodeableConcept,
  period: z.optional(Period),
  issuer: z.optional(Reference),
});

export const Practitioner = fhirObject({
  resourceType: z.literal('Practitioner', expecting('Practitioner')),
  ...domainResourceFields,
  identifier: z.optional(list(Identifier)),
  active: z.optional(fhir.boolean),
  _active: primitiveElement,
  name: z.optional(list(HumanName)),
  telecom: z.optional(list(ContactPoint)),
  address: z.optional(list(Address)),
  gender: z.optional(AdministrativeGender),
  _gender: primitiveElement,
  birthDate: z.optional(fhir.date),
  _birthDate: primitiveElement,
  photo: z.optional(list(Attachment)),
  qualification: z.optional(list(PractitionerQualification)),
  communication: z.optional(list(CodeableConcept)),
});
export type Practitioner = z.infer<typeof Practitioner>;
