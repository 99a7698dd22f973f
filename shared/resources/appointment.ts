import type { ResourceDefinition } from './definition.ts';

/**
 * Appointment: between one Patient and one Practitioner participant. Its participants, start,
 * end and status stay in clear on the head: the participant indexes (byPatient,
 * byPractitioner, sorted by start) and the schedule locks are keyed by them.
 */
export const appointmentDefinition = {
  resourceType: 'Appointment',
  searchParameters: [
    {
      name: 'patient',
      type: 'reference',
      expression: 'Appointment.participant.actor.where(resolve() is Patient)',
      index: 'clear',
    },
    {
      name: 'practitioner',
      type: 'reference',
      expression: 'Appointment.participant.actor.where(resolve() is Practitioner)',
      index: 'clear',
    },
    { name: 'date', type: 'date', expression: 'Appointment.start', index: 'clear' },
    { name: 'status', type: 'token', expression: 'Appointment.status', index: 'filter' },
  ],
  patientCompartment: ['actor'],
  clear: [
    'id',
    'meta.versionId',
    'meta.lastUpdated',
    'participant.actor (Patient and Practitioner ids)',
    'start',
    'end',
    'status',
  ],
} as const satisfies ResourceDefinition<'Appointment'>;
