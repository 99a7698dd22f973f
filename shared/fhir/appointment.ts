/** FHIR R4 Appointment (https://hl7.org/fhir/R4/appointment.html). */
import * as z from 'zod/mini';
import {
  backboneElementFields,
  CodeableConcept,
  codes,
  domainResourceFields,
  fhirObject,
  Identifier,
  list,
  Period,
  primitiveElement,
  Reference,
} from './datatypes.ts';
import * as fhir from './primitives.ts';
import { expecting } from './primitives.ts';

export const AppointmentStatus = codes([
  'proposed',
  'pending',
  'booked',
  'arrived',
  'fulfilled',
  'cancelled',
  'noshow',
  'entered-in-error',
  'checked-in',
  'waitlist',
]);
export type AppointmentStatus = z.infer<typeof AppointmentStatus>;

export const ParticipationStatus = codes(['accepted', 'declined', 'tentative', 'needs-action']);

const AppointmentParticipant = fhirObject({
  ...backboneElementFields,
  type: z.optional(list(CodeableConcept)),
  actor: z.optional(Reference),
  required: z.optional(codes(['required', 'optional', 'information-only'])),
  _required: primitiveElement,
  status: ParticipationStatus,
  _status: primitiveElement,
  period: z.optional(Period),
});

export const Appointment = fhirObject({
  resourceType: z.literal('Appointment', expecting('Appointment')),
  ...domainResourceFields,
  identifier: z.optional(list(Identifier)),
  status: AppointmentStatus,
  _status: primitiveElement,
  cancelationReason: z.optional(CodeableConcept),
  serviceCategory: z.optional(list(CodeableConcept)),
  serviceType: z.optional(list(CodeableConcept)),
  specialty: z.optional(list(CodeableConcept)),
  appointmentType: z.optional(CodeableConcept),
  reasonCode: z.optional(list(CodeableConcept)),
  reasonReference: z.optional(list(Reference)),
  priority: z.optional(fhir.unsignedInt),
  _priority: primitiveElement,
  description: z.optional(fhir.string),
  _description: primitiveElement,
  supportingInformation: z.optional(list(Reference)),
  start: z.optional(fhir.instant),
  _start: primitiveElement,
  end: z.optional(fhir.instant),
  _end: primitiveElement,
  minutesDuration: z.optional(fhir.positiveInt),
  _minutesDuration: primitiveElement,
  slot: z.optional(list(Reference)),
  created: z.optional(fhir.dateTime),
  _created: primitiveElement,
  comment: z.optional(fhir.string),
  _comment: primitiveElement,
  patientInstruction: z.optional(fhir.string),
  _patientInstruction: primitiveElement,
  basedOn: z.optional(list(Reference)),
  participant: list(AppointmentParticipant).check(z.minLength(1, 'must have at least 1 item')),
  requestedPeriod: z.optional(list(Period)),
});
export type Appointment = z.infer<typeof Appointment>;
