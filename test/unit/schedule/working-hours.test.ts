import { describe, expect, it } from 'vitest';
import {
  freeBusy,
  isTimeZone,
  mergeIntervals,
  parseWorkingHours,
  type WorkingHours,
  withinWorkingHours,
  workingWindows,
  zonedInstant,
  zoneOffset,
} from '../../../shared/schedule/working-hours.ts';
import { workingHours } from '../../support/schedule.ts';

const at = (text: string): number => Date.parse(text);
const day = (text: string): number => Date.parse(`${text}T00:00:00Z`) / 86_400_000;

const amsterdam: WorkingHours = {
  days: ['mon', 'tue', 'wed', 'thu', 'fri'],
  startSecond: 9 * 3600,
  endSecond: 17 * 3600,
  timeZone: 'Europe/Amsterdam',
};

describe('working hours', () => {
  it('reads the working-hours extension into days, times and zone', () => {
    const { hours, issues } = parseWorkingHours([
      { url: 'http://example.org/other', valueString: 'ignored' },
      workingHours(['mon', 'fri'], '08:30:00', '12:00:00', 'America/New_York'),
    ]);
    expect(issues).toEqual([]);
    expect(hours).toEqual([
      { days: ['mon', 'fri'], startSecond: 8.5 * 3600, endSecond: 12 * 3600, timeZone: 'America/New_York' },
    ]);
  });

  it('refuses a reversed window, an unknown zone, a bad day and times off the grid, naming each', () => {
    const { hours, issues } = parseWorkingHours([
      workingHours(['mon'], '17:00:00', '09:00:00', 'Europe/Amsterdam'),
      workingHours(['funday'], '09:00:00', '12:00:00', 'Mars/Olympus_Mons'),
      workingHours(['tue', 'tue'], '09:02:00', '25:00:00', '+01:00'),
    ]);
    expect(hours).toEqual([]);
    expect(issues).toEqual([
      {
        location: 'Practitioner.extension[0]',
        message: 'availableStartTime must be before availableEndTime',
      },
      {
        location: 'Practitioner.extension[1].extension[0].valueCode',
        message: expect.stringContaining('mon'),
      },
      {
        location: 'Practitioner.extension[1].extension[3].valueCode',
        message: expect.stringContaining('IANA'),
      },
      { location: 'Practitioner.extension[1]', message: 'must have at least one daysOfWeek' },
      { location: 'Practitioner.extension[1]', message: 'must have timeZone' },
      { location: 'Practitioner.extension[2].extension[1]', message: 'must not repeat a day' },
      {
        location: 'Practitioner.extension[2].extension[2].valueTime',
        message: 'must be on a 5-minute boundary',
      },
      { location: 'Practitioner.extension[2].extension[3].valueTime', message: 'must be a time (hh:mm:ss)' },
      {
        location: 'Practitioner.extension[2].extension[4].valueCode',
        message: expect.stringContaining('IANA'),
      },
      { location: 'Practitioner.extension[2]', message: 'must have availableStartTime' },
      { location: 'Practitioner.extension[2]', message: 'must have availableEndTime' },
      { location: 'Practitioner.extension[2]', message: 'must have timeZone' },
    ]);
  });

  it('knows IANA zones and refuses offsets and made-up names', () => {
    expect(isTimeZone('Europe/Amsterdam')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('+01:00')).toBe(false);
    expect(isTimeZone('Europe/Atlantis')).toBe(false);
  });

  it('reads wall-clock times in the zone, with the offset of that date', () => {
    expect(zoneOffset('Europe/Amsterdam', at('2026-01-15T12:00:00Z'))).toBe(3_600_000);
    expect(zoneOffset('Europe/Amsterdam', at('2026-07-15T12:00:00Z'))).toBe(7_200_000);
    expect(zonedInstant('Europe/Amsterdam', day('2026-01-15'), 9 * 3600)).toBe(at('2026-01-15T08:00:00Z'));
    expect(zonedInstant('Europe/Amsterdam', day('2026-07-15'), 9 * 3600)).toBe(at('2026-07-15T07:00:00Z'));
    expect(zonedInstant('Asia/Kathmandu', day('2026-07-15'), 9 * 3600)).toBe(at('2026-07-15T03:15:00Z'));
  });

  it('reads a time in the spring-forward gap as the moment after it, and an ambiguous one as the earlier', () => {
    // Amsterdam 2026-03-29: 02:00 CET jumps to 03:00 CEST; 2026-10-25: 03:00 CEST falls back to 02:00 CET.
    expect(zonedInstant('Europe/Amsterdam', day('2026-03-29'), 2.5 * 3600)).toBe(at('2026-03-29T01:30:00Z'));
    expect(zonedInstant('Europe/Amsterdam', day('2026-10-25'), 2.5 * 3600)).toBe(at('2026-10-25T00:30:00Z'));
  });

  it('keeps the wall-clock hours across a daylight-saving change, so the window moves in UTC', () => {
    // Monday 2026-03-23 (CET) and Monday 2026-03-30 (CEST).
    const windows = workingWindows([amsterdam], at('2026-03-23T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    expect(
      windows.map(({ start, end }) => [new Date(start).toISOString(), new Date(end).toISOString()]),
    ).toEqual([
      ['2026-03-23T08:00:00.000Z', '2026-03-23T16:00:00.000Z'],
      ['2026-03-24T08:00:00.000Z', '2026-03-24T16:00:00.000Z'],
      ['2026-03-25T08:00:00.000Z', '2026-03-25T16:00:00.000Z'],
      ['2026-03-26T08:00:00.000Z', '2026-03-26T16:00:00.000Z'],
      ['2026-03-27T08:00:00.000Z', '2026-03-27T16:00:00.000Z'],
      ['2026-03-30T07:00:00.000Z', '2026-03-30T15:00:00.000Z'],
    ]);
  });

  it('uses the local day of week, not the UTC one', () => {
    // Monday 08:00 in Auckland is Sunday 19:00 UTC.
    const auckland: WorkingHours = {
      days: ['mon'],
      startSecond: 8 * 3600,
      endSecond: 12 * 3600,
      timeZone: 'Pacific/Auckland',
    };
    expect(workingWindows([auckland], at('2026-06-14T00:00:00Z'), at('2026-06-15T00:00:00Z'))).toEqual([
      { start: at('2026-06-14T20:00:00Z'), end: at('2026-06-15T00:00:00Z') },
    ]);
  });

  it('accepts a visit inside a window, or across two windows that touch, and nothing that leaves them', () => {
    const split: WorkingHours[] = [
      { ...amsterdam, endSecond: 12 * 3600 },
      { ...amsterdam, startSecond: 12 * 3600 },
    ];
    expect(withinWorkingHours([amsterdam], at('2026-12-01T08:00:00Z'), at('2026-12-01T16:00:00Z'))).toBe(
      true,
    );
    expect(withinWorkingHours(split, at('2026-12-01T10:30:00Z'), at('2026-12-01T11:30:00Z'))).toBe(true);
    expect(withinWorkingHours([amsterdam], at('2026-12-01T07:55:00Z'), at('2026-12-01T08:30:00Z'))).toBe(
      false,
    );
    expect(withinWorkingHours([amsterdam], at('2026-12-01T15:30:00Z'), at('2026-12-01T16:05:00Z'))).toBe(
      false,
    );
    // Saturday.
    expect(withinWorkingHours([amsterdam], at('2026-12-05T09:00:00Z'), at('2026-12-05T09:30:00Z'))).toBe(
      false,
    );
    expect(withinWorkingHours([], at('2026-12-01T09:00:00Z'), at('2026-12-01T09:30:00Z'))).toBe(false);
  });

  it('splits working time into free and busy stretches, joining adjacent bookings', () => {
    const window = { start: at('2026-12-01T08:00:00Z'), end: at('2026-12-01T16:00:00Z') };
    const busy = [
      { start: at('2026-12-01T09:00:00Z'), end: at('2026-12-01T09:30:00Z') },
      { start: at('2026-12-01T09:30:00Z'), end: at('2026-12-01T10:00:00Z') },
      { start: at('2026-12-01T15:30:00Z'), end: at('2026-12-01T17:00:00Z') },
    ];
    const stretches = freeBusy([window], busy, at('2026-12-01T00:00:00Z'), at('2026-12-02T00:00:00Z'));
    expect(
      stretches.map(({ start, end, status }) => [
        new Date(start).toISOString().slice(11, 16),
        new Date(end).toISOString().slice(11, 16),
        status,
      ]),
    ).toEqual([
      ['08:00', '09:00', 'free'],
      ['09:00', '10:00', 'busy'],
      ['10:00', '15:30', 'free'],
      ['15:30', '16:00', 'busy'],
    ]);
  });

  it('clips the stretches to the period asked for', () => {
    const window = { start: at('2026-12-01T08:00:00Z'), end: at('2026-12-01T16:00:00Z') };
    expect(freeBusy([window], [], at('2026-12-01T12:00:00Z'), at('2026-12-01T13:00:00Z'))).toEqual([
      { start: at('2026-12-01T12:00:00Z'), end: at('2026-12-01T13:00:00Z'), status: 'free' },
    ]);
  });

  it('merges overlapping and touching intervals and drops empty ones', () => {
    expect(
      mergeIntervals([
        { start: 5, end: 8 },
        { start: 1, end: 3 },
        { start: 3, end: 4 },
        { start: 9, end: 9 },
      ]),
    ).toEqual([
      { start: 1, end: 4 },
      { start: 5, end: 8 },
    ]);
  });
});
