import { describe, expect, it } from 'vitest';
import { MAX_VISIT_MS } from '../../../shared/schedule/visit.ts';
import {
  appointmentStartSk,
  HOUR_MS,
  hourSk,
  instantOfSk,
  lockKeys,
  lockPlan,
  SLOT_MS,
  schedulePk,
  slotSk,
  startSkRange,
} from '../../../shared/store/schedule-keys.ts';

const at = (text: string): number => Date.parse(text);

/** Every 5-minute bucket a set of lock keys excludes others from. */
function bucketsOf(keys: ReturnType<typeof lockKeys>): number[] {
  const buckets: number[] = [];
  for (const key of keys) {
    if (key.kind === 'partial-hour') continue;
    for (let bucket = key.start; bucket < key.end; bucket += SLOT_MS) buckets.push(bucket);
  }
  return buckets.sort((a, b) => a - b);
}

/** Whether two bookings could both commit: they would share no item under an exclusive condition. */
function bothCommit(a: ReturnType<typeof lockKeys>, b: ReturnType<typeof lockKeys>): boolean {
  for (const x of a) {
    for (const y of b) {
      if (x.sk !== y.sk) continue;
      // Two partial-hour updates on one hour item are compatible; any pairing with a full hour is not.
      if (x.kind === 'partial-hour' && y.kind === 'partial-hour') continue;
      return false;
    }
  }
  return true;
}

describe('schedule keys', () => {
  it('names slots and hours in UTC so that their keys sort in time order', () => {
    expect(slotSk(at('2026-12-01T10:05:00+01:00'))).toBe('s#2026-12-01T09:05Z');
    expect(hourSk(at('2026-12-01T09:55:00Z'))).toBe('h#2026-12-01T09Z');
    expect(slotSk(at('2026-12-01T09:55:00Z')) < slotSk(at('2026-12-01T10:00:00Z'))).toBe(true);
    expect(instantOfSk('s#2026-12-01T09:05Z')).toBe(at('2026-12-01T09:05:00Z'));
    expect(instantOfSk('h#2026-12-01T09Z')).toBe(at('2026-12-01T09:00:00Z'));
    expect(instantOfSk('head')).toBeUndefined();
  });

  it('keeps each participant schedule in its own partition per organization', () => {
    expect(schedulePk('org-a', 'Practitioner', 'p1')).toBe('org-a#schedule#Practitioner#p1');
    expect(schedulePk('org-a', 'Patient', 'p1')).not.toBe(schedulePk('org-a', 'Practitioner', 'p1'));
    expect(schedulePk('org-b', 'Patient', 'p1')).not.toBe(schedulePk('org-a', 'Patient', 'p1'));
  });

  it('locks the buckets of a short visit and marks its hour as partly taken', () => {
    const keys = lockKeys('o', 'Practitioner', 'p', at('2026-12-01T09:10:00Z'), at('2026-12-01T09:25:00Z'));
    expect(keys.map((key) => [key.kind, key.sk])).toEqual([
      ['partial-hour', 'h#2026-12-01T09Z'],
      ['slot', 's#2026-12-01T09:10Z'],
      ['slot', 's#2026-12-01T09:15Z'],
      ['slot', 's#2026-12-01T09:20Z'],
    ]);
  });

  it('locks whole hours of a long visit with one item each and the ragged ends by bucket', () => {
    const plan = lockPlan(at('2026-12-01T08:50:00Z'), at('2026-12-01T11:05:00Z'));
    expect(plan.fullHours).toEqual([at('2026-12-01T09:00:00Z'), at('2026-12-01T10:00:00Z')]);
    expect(plan.partialHours.map(({ hour, slots }) => [hour, slots.length])).toEqual([
      [at('2026-12-01T08:00:00Z'), 2],
      [at('2026-12-01T11:00:00Z'), 1],
    ]);
  });

  it('covers exactly the buckets of the visit, whatever its length and start', () => {
    const day = at('2026-12-01T00:00:00Z');
    for (let start = day; start < day + HOUR_MS; start += SLOT_MS) {
      for (let length = SLOT_MS; length <= MAX_VISIT_MS; length += 7 * SLOT_MS) {
        const buckets = bucketsOf(lockKeys('o', 'Patient', 'p', start, start + length));
        expect(buckets).toEqual(
          Array.from({ length: length / SLOT_MS }, (_, index) => start + index * SLOT_MS),
        );
      }
    }
  });

  it('fits the longest visit for two participants in one transaction with room for five more items', () => {
    let most = 0;
    const day = at('2026-12-01T00:00:00Z');
    for (let start = day; start < day + HOUR_MS; start += SLOT_MS) {
      for (let length = SLOT_MS; length <= MAX_VISIT_MS; length += SLOT_MS) {
        most = Math.max(most, lockKeys('o', 'Patient', 'p', start, start + length).length);
      }
    }
    expect(most).toBe(30);
    expect(2 * most + 5).toBeLessThanOrEqual(100);
  });

  it('lets two visits both commit exactly when they do not overlap', () => {
    const day = at('2026-12-01T08:00:00Z');
    const visits: [number, number][] = [];
    for (let start = day; start < day + 3 * HOUR_MS; start += 4 * SLOT_MS) {
      for (const length of [SLOT_MS, 3 * SLOT_MS, 11 * SLOT_MS, HOUR_MS, 2 * HOUR_MS + SLOT_MS]) {
        visits.push([start, start + length]);
      }
    }
    for (const [aStart, aEnd] of visits) {
      for (const [bStart, bEnd] of visits) {
        const overlap = aStart < bEnd && bStart < aEnd;
        const a = lockKeys('o', 'Practitioner', 'p', aStart, aEnd);
        const b = lockKeys('o', 'Practitioner', 'p', bStart, bEnd);
        expect(bothCommit(a, b)).toBe(!overlap);
      }
    }
  });

  it('refuses visits off the 5-minute grid or without length', () => {
    expect(() => lockPlan(at('2026-12-01T09:01:00Z'), at('2026-12-01T09:10:00Z'))).toThrow(RangeError);
    expect(() => lockPlan(at('2026-12-01T09:00:00Z'), at('2026-12-01T09:00:00Z'))).toThrow(RangeError);
    expect(() => lockPlan(at('2026-12-01T09:10:00Z'), at('2026-12-01T09:00:00Z'))).toThrow(RangeError);
  });

  it('bounds index sort keys so that a range query returns starts in [from, to) only', () => {
    const from = at('2026-12-01T09:00:00Z');
    const to = at('2026-12-01T10:00:00Z');
    const { lower, upper } = startSkRange(from, to);
    const inside = (sk: string) => lower !== undefined && upper !== undefined && sk >= lower && sk <= upper;
    expect(inside(appointmentStartSk(from, 'a-1'))).toBe(true);
    expect(inside(appointmentStartSk(to - SLOT_MS, 'zz-ff'))).toBe(true);
    expect(inside(appointmentStartSk(to, 'a-1'))).toBe(false);
    expect(inside(appointmentStartSk(from - SLOT_MS, 'a-1'))).toBe(false);
  });
});
