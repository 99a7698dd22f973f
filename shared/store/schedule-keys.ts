/**
 * Keys of schedules and booking locks in the records table. Pure: no I/O, unit-tested.
 *
 * No overlap, ever: a booking writes, in the transaction that creates the Appointment, lock
 * items for the time it takes from each participant's schedule (the Practitioner's and the
 * Patient's), each with `attribute_not_exists`-style conditions. Two visits that overlap share
 * a 5-minute bucket; whatever the locks look like, two bookings sharing a bucket both touch one
 * item under exclusive conditions, so at most one of them commits.
 *
 * Visits are on the 5-minute grid and last 5 minutes to 8 hours. Locking 96 buckets for each
 * of two participants would not fit a TransactWriteItems (100 items), so locks are two-level,
 * per participant and UTC hour:
 * - an hour the visit covers completely is locked whole: its hour item gets `full = <id>`,
 *   on condition that the hour item has neither `full` nor `partial`;
 * - in an hour the visit covers in part, every 5-minute bucket gets a slot item (condition
 *   `attribute_not_exists(pk)`), and the hour item gets the id added to its `partial` set,
 *   on condition that it has no `full`.
 * A whole-hour lock and a bucket lock in the same hour therefore exclude each other through
 * the hour item; two bucket locks through the slot item; two whole-hour locks through `full`.
 * The worst case (7 h 50 from hh:05: 11 + 11 slot items, 2 partial and 6 full hour items) is
 * 30 items per participant: 60, plus head, version, care link, idempotency record and
 * AuditEvent, is 65 of the 100 a transaction may hold (unit-tested over every start and length).
 */

import type { ScheduleOwner } from '../schedule/visit.ts';
import { GRID_MINUTES } from '../schedule/working-hours.ts';

/** A slot is one step of the booking grid. */
export const SLOT_MS = GRID_MINUTES * 60_000;
export const HOUR_MS = 3_600_000;

/** Everything one participant's bookings lock: slot items (`s#...`) and hour items (`h#...`). */
export const schedulePk = (org: string, owner: ScheduleOwner, id: string): string =>
  `${org}#schedule#${owner}#${id}`;

export const SLOT_PREFIX = 's#';
export const HOUR_PREFIX = 'h#';

/** `s#2026-12-01T09:05Z`: sorts in time order. */
export const slotSk = (instant: number): string =>
  `${SLOT_PREFIX}${new Date(instant).toISOString().slice(0, 16)}Z`;
/** `h#2026-12-01T09Z`. */
export const hourSk = (instant: number): string =>
  `${HOUR_PREFIX}${new Date(instant).toISOString().slice(0, 13)}Z`;

/** The instant a slot or hour sort key stands for; undefined for any other key. */
export function instantOfSk(sk: string): number | undefined {
  const slot = /^s#(\d{4}-\d{2}-\d{2}T\d{2}:\d{2})Z$/.exec(sk);
  if (slot?.[1]) return Date.parse(`${slot[1]}:00Z`);
  const hour = /^h#(\d{4}-\d{2}-\d{2}T\d{2})Z$/.exec(sk);
  if (hour?.[1]) return Date.parse(`${hour[1]}:00:00Z`);
  return undefined;
}

export interface LockPlan {
  /** Starts of the hours the visit covers completely. */
  fullHours: number[];
  /** Hours covered in part, with the starts of the buckets taken in each. */
  partialHours: { hour: number; slots: number[] }[];
}

/** The locks of a visit [start, end) on the 5-minute grid. */
export function lockPlan(start: number, end: number): LockPlan {
  if (start % SLOT_MS !== 0 || end % SLOT_MS !== 0 || end <= start) {
    throw new RangeError('a visit must be a non-empty interval on the 5-minute grid');
  }
  const plan: LockPlan = { fullHours: [], partialHours: [] };
  for (let hour = start - (start % HOUR_MS); hour < end; hour += HOUR_MS) {
    const from = Math.max(start, hour);
    const to = Math.min(end, hour + HOUR_MS);
    if (from === hour && to === hour + HOUR_MS) {
      plan.fullHours.push(hour);
      continue;
    }
    const slots: number[] = [];
    for (let slot = from; slot < to; slot += SLOT_MS) slots.push(slot);
    plan.partialHours.push({ hour, slots });
  }
  return plan;
}

export type LockKind = 'slot' | 'full-hour' | 'partial-hour';

export interface LockKey {
  pk: string;
  sk: string;
  kind: LockKind;
  /** The time the item stands for: [start, end). */
  start: number;
  end: number;
}

/** The items a visit locks in one participant's schedule, in a stable order. */
export function lockKeys(
  org: string,
  owner: ScheduleOwner,
  id: string,
  start: number,
  end: number,
): LockKey[] {
  const pk = schedulePk(org, owner, id);
  const plan = lockPlan(start, end);
  const keys: LockKey[] = plan.fullHours.map((hour) => ({
    pk,
    sk: hourSk(hour),
    kind: 'full-hour',
    start: hour,
    end: hour + HOUR_MS,
  }));
  for (const { hour, slots } of plan.partialHours) {
    keys.push({ pk, sk: hourSk(hour), kind: 'partial-hour', start: hour, end: hour + HOUR_MS });
    for (const slot of slots)
      keys.push({ pk, sk: slotSk(slot), kind: 'slot', start: slot, end: slot + SLOT_MS });
  }
  return keys;
}

/** Appointment heads by participant (the byPatient and byPractitioner indexes), by start. */
export const appointmentPatientPk = (org: string, patientId: string): string =>
  `${org}#Appointment?patient=${patientId}`;
export const appointmentPractitionerPk = (org: string, practitionerId: string): string =>
  `${org}#Appointment?practitioner=${practitionerId}`;

/** `2026-12-01T09:05:00.000Z#<id>`: fixed-width instants sort in time order. */
export const appointmentStartSk = (start: number, id: string): string =>
  `${new Date(start).toISOString()}#${id}`;

/**
 * Key condition bounds on `startSk` for starts in [from, to): ids sort below `~`, so every
 * key of a start before `to` is at most `<to - 1 ms>#~`.
 */
export function startSkRange(
  from: number | undefined,
  to: number | undefined,
): { lower?: string; upper?: string } {
  return {
    ...(from !== undefined ? { lower: new Date(from).toISOString() } : {}),
    ...(to !== undefined ? { upper: `${new Date(to - 1).toISOString()}#~` } : {}),
  };
}
