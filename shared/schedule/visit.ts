/**
 * The visit an Appointment books: who it is between and when. Pure: no I/O, no clock.
 */
import { UnprocessableError } from '../base/errors.ts';
import type { Appointment } from '../fhir/appointment.ts';
import type { FhirIssue } from '../fhir/issues.ts';
import { onGrid, type WorkingHours, withinWorkingHours } from './working-hours.ts';

/** Visits last from one booking-grid step to 8 hours. */
export const MAX_VISIT_MS = 8 * 3_600_000;

/** Whose schedule a visit takes time from: both participants'. */
export type ScheduleOwner = 'Patient' | 'Practitioner';

/** Who an appointment is between, and where in `participant` each one is. */
export interface Participants {
  patientId: string;
  practitionerId: string;
  patientIndex: number;
  practitionerIndex: number;
}

export interface Visit extends Participants {
  /** Epoch ms, start inclusive, end exclusive. */
  start: number;
  end: number;
}

const REFERENCE = /^(Patient|Practitioner)\/([A-Za-z0-9.-]{1,64})$/;

/** Exactly one Patient and one Practitioner participant, by relative reference; nothing else. */
export function participantsOf(appointment: Appointment): {
  participants?: Participants;
  issues: FhirIssue[];
} {
  const issues: FhirIssue[] = [];
  const found: Record<ScheduleOwner, { id: string; index: number }[]> = { Patient: [], Practitioner: [] };
  appointment.participant.forEach((participant, index) => {
    const match = REFERENCE.exec(participant.actor?.reference ?? '');
    const type = match?.[1];
    const id = match?.[2];
    if ((type !== 'Patient' && type !== 'Practitioner') || id === undefined) {
      issues.push({
        location: `Appointment.participant[${index}].actor.reference`,
        message: 'must reference Patient/<id> or Practitioner/<id>',
      });
      return;
    }
    found[type].push({ id, index });
  });
  const [patient, ...otherPatients] = found.Patient;
  const [practitioner, ...otherPractitioners] = found.Practitioner;
  if (!patient || otherPatients.length > 0) {
    issues.push({
      location: 'Appointment.participant',
      message: 'must have exactly one Patient participant',
    });
  }
  if (!practitioner || otherPractitioners.length > 0) {
    issues.push({
      location: 'Appointment.participant',
      message: 'must have exactly one Practitioner participant',
    });
  }
  if (issues.length > 0 || !patient || !practitioner) return { issues };
  return {
    participants: {
      patientId: patient.id,
      practitionerId: practitioner.id,
      patientIndex: patient.index,
      practitionerIndex: practitioner.index,
    },
    issues,
  };
}

/**
 * The visit a booking asks for, or the issues with it. Start and end are instants with an
 * offset, on the 5-minute grid (hh:00, hh:05, ... with no seconds), 5 minutes to 8 hours
 * apart; a given minutesDuration must agree.
 */
export function visitOf(appointment: Appointment): { visit?: Visit; issues: FhirIssue[] } {
  const { participants, issues } = participantsOf(appointment);
  const instant = (name: 'start' | 'end'): number | undefined => {
    const value = appointment[name];
    if (value === undefined) {
      issues.push({ location: `Appointment.${name}`, message: 'is required' });
      return undefined;
    }
    const parsed = Date.parse(value);
    if (Number.isNaN(parsed)) {
      issues.push({ location: `Appointment.${name}`, message: 'must be a valid instant' });
      return undefined;
    }
    if (!onGrid(parsed)) {
      issues.push({
        location: `Appointment.${name}`,
        message: 'must be on a 5-minute boundary (hh:00, hh:05, ..., with zero seconds)',
      });
      return undefined;
    }
    return parsed;
  };
  const start = instant('start');
  const end = instant('end');
  if (start !== undefined && end !== undefined) {
    if (end <= start) issues.push({ location: 'Appointment.end', message: 'must be after start' });
    else if (end - start > MAX_VISIT_MS) {
      issues.push({ location: 'Appointment.end', message: 'must be at most 8 hours after start' });
    } else if (
      appointment.minutesDuration !== undefined &&
      appointment.minutesDuration * 60_000 !== end - start
    ) {
      issues.push({
        location: 'Appointment.minutesDuration',
        message: 'must equal the minutes from start to end',
      });
    }
  }
  if (issues.length > 0 || !participants || start === undefined || end === undefined) return { issues };
  return { visit: { ...participants, start, end }, issues };
}

/**
 * The visit a new Appointment books, or the 422 that refuses it: a valid visit, in state
 * `booked` (other states are reached by updates), not starting before `now`.
 */
export function bookableVisit(appointment: Appointment, now: number): Visit {
  const { visit, issues } = visitOf(appointment);
  if (appointment.status !== 'booked') {
    issues.push({
      location: 'Appointment.status',
      message: 'must be booked (other states are reached by updates)',
    });
  }
  if (!visit || issues.length > 0)
    throw new UnprocessableError('the appointment cannot be booked', { details: issues });
  if (visit.start < now) {
    throw new UnprocessableError('the appointment cannot be booked', {
      details: [{ location: 'Appointment.start', message: 'must not be in the past' }],
    });
  }
  return visit;
}

/** The 422 for a visit that does not lie within the practitioner's working hours. */
export function assertWithinWorkingHours(hours: readonly WorkingHours[], visit: Visit): void {
  if (withinWorkingHours(hours, visit.start, visit.end)) return;
  throw new UnprocessableError('the appointment is outside the practitioner’s working hours', {
    details: [
      {
        location: 'Appointment.start',
        message: 'the visit must lie within the practitioner’s working hours',
      },
    ],
  });
}

/** The visit of a stored appointment, validated when it was booked. */
export function bookedVisit(appointment: Appointment): Visit {
  const { participants } = participantsOf(appointment);
  if (!participants) throw new Error('stored Appointment without its participants');
  return {
    ...participants,
    start: Date.parse(appointment.start ?? ''),
    end: Date.parse(appointment.end ?? ''),
  };
}
