import { describe, expect, it } from 'vitest';
import { Appointment } from '../../../shared/fhir/appointment.ts';
import { describeIssues } from '../../../shared/fhir/issues.ts';
import { specExample, specExamples } from './fixtures.ts';

function issuesOf(input: unknown) {
  const result = Appointment.safeParse(input);
  if (result.success) throw new Error('expected the Appointment to be refused');
  return describeIssues('Appointment', result.error);
}

const booked = () => specExample('appointment-example.json');

describe('Appointment', () => {
  const examples = specExamples('appointment-');

  it.each(examples)('parses the specification example $file and gives it back unchanged', ({ json }) => {
    const result = Appointment.safeParse(json);
    expect(result.error?.issues ?? []).toEqual([]);
    expect(result.data).toEqual(json);
  });

  it('refuses an appointment without participant', () => {
    const { participant: _participant, ...withoutParticipant } = booked();
    expect(issuesOf(withoutParticipant)).toEqual([
      { location: 'Appointment.participant', message: 'is required' },
    ]);
  });

  it('refuses an appointment whose participant list is empty', () => {
    expect(issuesOf({ ...booked(), participant: [] })).toEqual([
      { location: 'Appointment.participant', message: 'must have at least 1 item' },
    ]);
  });

  it('refuses an appointment without status, and one with a status outside the value set', () => {
    const { status: _status, ...withoutStatus } = booked();
    expect(issuesOf(withoutStatus)).toEqual([{ location: 'Appointment.status', message: 'is required' }]);
    expect(issuesOf({ ...booked(), status: 'done' })[0]?.location).toBe('Appointment.status');
  });

  it('accepts every R4 appointment status', () => {
    const statuses = ['proposed', 'pending', 'booked', 'arrived', 'fulfilled', 'cancelled', 'noshow'];
    for (const status of [...statuses, 'entered-in-error', 'checked-in', 'waitlist']) {
      expect(Appointment.safeParse({ ...booked(), status }).success).toBe(true);
    }
  });

  it('refuses a start that is a date rather than an instant', () => {
    expect(issuesOf({ ...booked(), start: '2013-12-10' })).toEqual([
      { location: 'Appointment.start', message: 'must be an instant (YYYY-MM-DDThh:mm:ss with a time zone)' },
    ]);
  });

  it('refuses an instant without a time zone', () => {
    expect(issuesOf({ ...booked(), end: '2013-12-10T11:00:00' })[0]?.location).toBe('Appointment.end');
  });

  it('refuses a participant without status, located in the participant list', () => {
    const participant = [{ actor: { reference: 'Patient/example' } }];
    expect(issuesOf({ ...booked(), participant })).toEqual([
      { location: 'Appointment.participant[0].status', message: 'is required' },
    ]);
  });

  it('refuses a minutesDuration of zero and a negative priority', () => {
    expect(issuesOf({ ...booked(), minutesDuration: 0, priority: -1 })).toEqual([
      { location: 'Appointment.priority', message: 'must be a non-negative integer' },
      { location: 'Appointment.minutesDuration', message: 'must be a positive integer' },
    ]);
  });

  it('refuses an unknown element in a participant actor reference', () => {
    const participant = [{ actor: { reference: 'Patient/example', name: 'Peter' }, status: 'accepted' }];
    expect(issuesOf({ ...booked(), participant })).toEqual([
      { location: 'Appointment.participant[0].actor.name', message: 'is not a known element' },
    ]);
  });
});
