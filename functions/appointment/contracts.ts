/**
 * What the Appointment routes accept, apart from their handlers: the handlers use these, and
 * the OpenAPI document is generated from them without bundling any handler's dependencies.
 */
import * as z from 'zod/mini';
import { Appointment, AppointmentStatus } from '../../shared/fhir/appointment.ts';
import { JsonPatch } from '../../shared/fhir/json-patch.ts';
import { contractsFor } from '../../shared/http/contract.ts';
import { count, cursor, HistoryQuery, IdParams } from '../../shared/http/params.ts';

/** `patient=Patient/p1` or `patient=p1`, given once. */
const reference = (type: 'Patient' | 'Practitioner') =>
  z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(z.regex(new RegExp(`^(${type}/)?[A-Za-z0-9.-]{1,64}$`), `must be ${type}/<id> or an id`)),
      z.transform((value) => value.replace(`${type}/`, '')),
    ),
  );

const dateValue = z
  .string()
  .check(
    z.regex(
      /^(ge|gt|le|lt|eq)?\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/,
      'must be [ge|gt|le|lt|eq]YYYY-MM-DD or an instant with an offset',
    ),
  );

const AppointmentQuery = z.strictObject({
  patient: reference('Patient'),
  practitioner: reference('Practitioner'),
  date: z.optional(
    z.union([dateValue, z.array(dateValue).check(z.maxLength(2, 'must be given at most twice'))]),
  ),
  status: z.optional(AppointmentStatus),
  _count: count,
  _cursor: cursor,
});

export const contracts = contractsFor({
  createAppointment: { body: Appointment, resourceType: 'Appointment', idempotencyKey: true },
  searchAppointments: { query: AppointmentQuery },
  // POST /<type>/_search: the same parameters, form-encoded in the body.
  searchAppointmentsPost: { query: AppointmentQuery },
  readAppointment: { params: IdParams },
  updateAppointment: { params: IdParams, body: Appointment, resourceType: 'Appointment' },
  patchAppointment: { params: IdParams, body: JsonPatch, bodyType: 'json-patch', resourceType: 'JsonPatch' },
  appointmentHistory: { params: IdParams, query: HistoryQuery },
});
