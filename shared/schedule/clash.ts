/** The answer to a booking whose time is taken. Pure: no I/O, unit-tested. */
import { ConflictError } from '../base/errors.ts';
import type { ScheduleOwner } from './visit.ts';

/** Time of one participant's schedule that a booking asked for and found taken. */
export interface Taken {
  owner: ScheduleOwner;
  ownerId: string;
  /** Where the participant is in the booking's `participant`. */
  participantIndex: number;
  start: number;
  end: number;
}

const minute = (instant: number): string => `${new Date(instant).toISOString().slice(0, 16)}Z`;

/**
 * The 409 for a booking that clashes: who is busy when, joined per participant into
 * stretches; never with whom, so a clash discloses no other appointment.
 */
export function clashError(taken: readonly Taken[]): ConflictError {
  const merged: Taken[] = [];
  for (const one of [...taken].sort((a, b) => a.owner.localeCompare(b.owner) || a.start - b.start)) {
    const last = merged.at(-1);
    if (last && last.owner === one.owner && one.start <= last.end) last.end = Math.max(last.end, one.end);
    else merged.push({ ...one });
  }
  const describe = (one: Taken) =>
    one.owner === 'Practitioner'
      ? `Practitioner/${one.ownerId} is not free between ${minute(one.start)} and ${minute(one.end)}`
      : `Patient/${one.ownerId} already has an appointment between ${minute(one.start)} and ${minute(one.end)}`;
  const [first] = merged;
  return new ConflictError(first ? `the time is taken: ${describe(first)}` : 'the time is taken', {
    code: 'duplicate',
    details: merged.map((one) => ({
      location: `Appointment.participant[${one.participantIndex}]`,
      message: describe(one),
    })),
  });
}
