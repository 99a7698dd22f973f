import { describe, expect, it } from 'vitest';
import { clashError } from '../../../shared/schedule/clash.ts';

const at = (text: string): number => Date.parse(text);
const MINUTE = 60_000;

describe('the answer to a booking whose time is taken', () => {
  it('is a 409 duplicate that joins touching stretches per participant, the patient first', () => {
    const start = at('2026-12-21T09:00:00Z');
    const error = clashError([
      { owner: 'Patient', ownerId: 'p-1', participantIndex: 1, start, end: start + 5 * MINUTE },
      {
        owner: 'Practitioner',
        ownerId: 'pr-1',
        participantIndex: 0,
        start: start + 5 * MINUTE,
        end: start + 10 * MINUTE,
      },
      { owner: 'Practitioner', ownerId: 'pr-1', participantIndex: 0, start, end: start + 5 * MINUTE },
      {
        owner: 'Practitioner',
        ownerId: 'pr-1',
        participantIndex: 0,
        start: start + 20 * MINUTE,
        end: start + 25 * MINUTE,
      },
    ]);
    expect(error.status).toBe(409);
    expect(error.code).toBe('duplicate');
    expect(error.message).toBe(
      'the time is taken: Patient/p-1 already has an appointment between 2026-12-21T09:00Z and 2026-12-21T09:05Z',
    );
    expect(error.details).toEqual([
      {
        location: 'Appointment.participant[1]',
        message: 'Patient/p-1 already has an appointment between 2026-12-21T09:00Z and 2026-12-21T09:05Z',
      },
      {
        location: 'Appointment.participant[0]',
        message: 'Practitioner/pr-1 is not free between 2026-12-21T09:00Z and 2026-12-21T09:10Z',
      },
      {
        location: 'Appointment.participant[0]',
        message: 'Practitioner/pr-1 is not free between 2026-12-21T09:20Z and 2026-12-21T09:25Z',
      },
    ]);
  });

  it('says only that the time is taken when no lock is named', () => {
    expect(clashError([]).message).toBe('the time is taken');
  });
});
