import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import type { Appointment } from '../../../shared/fhir/appointment.ts';
import {
  assertWithinWorkingHours,
  bookableVisit,
  bookedVisit,
  MAX_VISIT_MS,
  participantsOf,
  visitOf,
} from '../../../shared/schedule/visit.ts';
import type { WorkingHours } from '../../../shared/schedule/working-hours.ts';

const at = (text: string): number => Date.parse(text);

const booking = (fields: Partial<Appointment> = {}): Appointment => ({
  resourceType: 'Appointment',
  status: 'booked',
  start: '2026-12-21T09:00:00Z',
  end: '2026-12-21T09:30:00Z',
  participant: [
    { actor: { reference: 'Practitioner/pr-1' }, status: 'accepted' },
    { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
  ],
  ...fields,
});

/** The error `run` throws, as status and issue locations. */
function refusal(run: () => unknown): { status: number; message: string; locations: (string | undefined)[] } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, message: error.message, locations: error.details.map((d) => d.location) };
  }
  throw new Error('expected a refusal');
}

describe('participants of an appointment', () => {
  it('finds the one Patient and the one Practitioner and where each is in participant', () => {
    expect(participantsOf(booking())).toEqual({
      participants: { patientId: 'p-1', practitionerId: 'pr-1', patientIndex: 1, practitionerIndex: 0 },
      issues: [],
    });
  });

  it('names every participant that is not a relative Patient or Practitioner reference', () => {
    const { participants, issues } = participantsOf(
      booking({
        participant: [
          { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
          { actor: { reference: 'Practitioner/pr-1' }, status: 'accepted' },
          { actor: { reference: 'https://elsewhere.example/Patient/p-2' }, status: 'accepted' },
          { status: 'accepted' },
        ],
      }),
    );
    expect(participants).toBeUndefined();
    expect(issues.map((issue) => issue.location)).toEqual([
      'Appointment.participant[2].actor.reference',
      'Appointment.participant[3].actor.reference',
    ]);
  });

  it('refuses two patients and a missing practitioner', () => {
    const { issues } = participantsOf(
      booking({
        participant: [
          { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
          { actor: { reference: 'Patient/p-2' }, status: 'accepted' },
        ],
      }),
    );
    expect(issues.map((issue) => issue.message)).toEqual([
      'must have exactly one Patient participant',
      'must have exactly one Practitioner participant',
    ]);
  });
});

describe('the visit a booking asks for', () => {
  it('is the participants with start and end as instants', () => {
    expect(visitOf(booking({ start: '2026-12-21T10:00:00+01:00', minutesDuration: 30 })).visit).toEqual({
      patientId: 'p-1',
      practitionerId: 'pr-1',
      patientIndex: 1,
      practitionerIndex: 0,
      start: at('2026-12-21T09:00:00Z'),
      end: at('2026-12-21T09:30:00Z'),
    });
  });

  it('needs start and end on the 5-minute grid, end after start, at most 8 hours apart', () => {
    const locations = (fields: Partial<Appointment>) =>
      visitOf(booking(fields)).issues.map((issue) => `${issue.location}: ${issue.message}`);
    const { start: _start, ...withoutStart } = booking();
    expect(visitOf(withoutStart).issues).toEqual([{ location: 'Appointment.start', message: 'is required' }]);
    expect(locations({ start: '2026-12-21T09:02:00Z' })).toEqual([
      'Appointment.start: must be on a 5-minute boundary (hh:00, hh:05, ..., with zero seconds)',
    ]);
    expect(locations({ end: '2026-12-21T09:00:30Z' })).toHaveLength(1);
    expect(locations({ end: '2026-12-21T09:00:00Z' })).toEqual(['Appointment.end: must be after start']);
    expect(
      locations({ end: new Date(at('2026-12-21T09:00:00Z') + MAX_VISIT_MS + 300_000).toISOString() }),
    ).toEqual(['Appointment.end: must be at most 8 hours after start']);
    expect(locations({ end: new Date(at('2026-12-21T09:00:00Z') + MAX_VISIT_MS).toISOString() })).toEqual([]);
    expect(locations({ minutesDuration: 20 })).toEqual([
      'Appointment.minutesDuration: must equal the minutes from start to end',
    ]);
  });
});

describe('a bookable visit', () => {
  const now = at('2026-12-20T00:00:00Z');

  it('is a valid booked visit that does not start in the past', () => {
    expect(bookableVisit(booking(), now).start).toBe(at('2026-12-21T09:00:00Z'));
  });

  it('is a 422 naming the status and the visit issues together', () => {
    expect(refusal(() => bookableVisit(booking({ status: 'arrived', end: undefined }), now))).toEqual({
      status: 422,
      message: 'the appointment cannot be booked',
      locations: ['Appointment.end', 'Appointment.status'],
    });
  });

  it('is a 422 for a start before now', () => {
    expect(refusal(() => bookableVisit(booking(), at('2026-12-21T09:00:00.001Z')))).toEqual({
      status: 422,
      message: 'the appointment cannot be booked',
      locations: ['Appointment.start'],
    });
  });
});

describe('working hours of a booking', () => {
  const hours: WorkingHours[] = [
    { days: ['mon'], startSecond: 9 * 3600, endSecond: 17 * 3600, timeZone: 'Europe/Amsterdam' },
  ];
  const visit = (start: string, end: string) => ({ ...bookedVisit(booking({ start, end })) });

  it('lets a visit within them pass', () => {
    expect(() =>
      assertWithinWorkingHours(hours, visit('2026-12-21T08:00:00Z', '2026-12-21T16:00:00Z')),
    ).not.toThrow();
  });

  it('refuses one that reaches past them with a 422 on Appointment.start', () => {
    expect(
      refusal(() => assertWithinWorkingHours(hours, visit('2026-12-21T15:30:00Z', '2026-12-21T16:30:00Z'))),
    ).toEqual({
      status: 422,
      message: 'the appointment is outside the practitioner’s working hours',
      locations: ['Appointment.start'],
    });
  });
});

describe('the visit of a stored appointment', () => {
  it('reads participants and times without the booking checks', () => {
    expect(
      bookedVisit(booking({ start: '2020-01-01T00:00:00Z', end: '2020-01-01T00:05:00Z' })),
    ).toMatchObject({
      patientId: 'p-1',
      start: at('2020-01-01T00:00:00Z'),
      end: at('2020-01-01T00:05:00Z'),
    });
  });

  it('throws (a 500: the store holds what it validated) for one without its participants', () => {
    expect(() => bookedVisit(booking({ participant: [] }))).toThrow(
      'stored Appointment without its participants',
    );
  });
});
