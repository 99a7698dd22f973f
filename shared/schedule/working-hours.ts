/**
 * A practitioner's working hours, as an extension on Practitioner, and the time arithmetic
 * that turns them into instants. Pure: no I/O, no clock; unit-tested on its own.
 *
 * The extension (one per recurring window; several may be given, e.g. a morning and an
 * afternoon, or different hours on different days) mirrors PractitionerRole.availableTime:
 * ```json
 * {
 *   "url": "https://fhir-records.dev/StructureDefinition/working-hours",
 *   "extension": [
 *     { "url": "daysOfWeek", "valueCode": "mon" },
 *     { "url": "daysOfWeek", "valueCode": "tue" },
 *     { "url": "availableStartTime", "valueTime": "09:00:00" },
 *     { "url": "availableEndTime", "valueTime": "17:00:00" },
 *     { "url": "timeZone", "valueCode": "Europe/Amsterdam" }
 *   ]
 * }
 * ```
 * - `daysOfWeek`: one or more of mon tue wed thu fri sat sun (each once);
 * - `availableStartTime` < `availableEndTime`, both `hh:mm:ss` wall-clock times on a
 *   5-minute boundary (the booking grid), within one day (no overnight windows);
 * - `timeZone`: an IANA zone the runtime knows (Intl), in which the wall-clock times are
 *   read. Daylight-saving changes move the window's instants, not its wall-clock times.
 *   A wall-clock time that does not exist that day (spring forward) is read as the moment
 *   after the gap; an ambiguous one (fall back) as the earlier instant.
 */
import type { Extension } from '../fhir/datatypes.ts';
import type { FhirIssue } from '../fhir/issues.ts';

export const WORKING_HOURS_URL = 'https://fhir-records.dev/StructureDefinition/working-hours';

export const DAY_CODES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type DayCode = (typeof DAY_CODES)[number];

/** The booking grid: visits and working hours start and end on these boundaries. */
export const GRID_MINUTES = 5;
const GRID_MS = GRID_MINUTES * 60_000;
const DAY_MS = 86_400_000;

export interface WorkingHours {
  days: DayCode[];
  /** Seconds after local midnight. */
  startSecond: number;
  endSecond: number;
  timeZone: string;
}

/** An interval of instants in epoch milliseconds, start inclusive, end exclusive. */
export interface Interval {
  start: number;
  end: number;
}

const TIME = /^([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])$/;

function secondsOfTime(value: string): number | undefined {
  const match = TIME.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** A formatter that reads an instant's wall-clock fields in a zone; undefined for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat | undefined {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      return undefined;
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether the runtime knows the IANA zone. Offsets such as `+01:00` are not zones. */
export const isTimeZone = (value: string): boolean =>
  /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(value) && formatterFor(value) !== undefined;

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

function wallClock(timeZone: string, instant: number): WallClock {
  const formatter = formatterFor(timeZone);
  if (!formatter) throw new RangeError('unknown time zone');
  const fields: Record<string, number> = {};
  for (const part of formatter.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 0,
    month: fields.month ?? 0,
    day: fields.day ?? 0,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in milliseconds (Amsterdam in winter: +3 600 000). */
export function zoneOffset(timeZone: string, instant: number): number {
  const wall = wallClock(timeZone, instant);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/**
 * The instant of a wall-clock time on a local date in a zone. `localDay` is the local date as
 * days since 1970-01-01. Gap: the moment after it; overlap: the earlier instant.
 */
export function zonedInstant(timeZone: string, localDay: number, secondOfDay: number): number {
  const naive = localDay * DAY_MS + secondOfDay * 1000;
  const before = zoneOffset(timeZone, naive - DAY_MS);
  const after = zoneOffset(timeZone, naive + DAY_MS);
  const valid = [before, after]
    .map((offset) => naive - offset)
    .filter((candidate) => zoneOffset(timeZone, candidate) === naive - candidate);
  if (valid.length > 0) return Math.min(...valid);
  // In the gap: read it with the offset in force before the change, which lands after it.
  return naive - before;
}

/** The local date (days since 1970-01-01) of an instant in a zone. */
export const localDayOf = (timeZone: string, instant: number): number =>
  Math.floor((instant + zoneOffset(timeZone, instant)) / DAY_MS);

const dayCodeOf = (localDay: number): DayCode => DAY_CODES[(((localDay + 4) % 7) + 7) % 7] ?? 'sun';

/**
 * The working hours of a Practitioner, or the issues that make its working-hours
 * extensions invalid (located as `Practitioner.extension[i].extension[j]`).
 */
export function parseWorkingHours(extensions: readonly Extension[] | undefined): {
  hours: WorkingHours[];
  issues: FhirIssue[];
} {
  const hours: WorkingHours[] = [];
  const issues: FhirIssue[] = [];
  for (const [index, extension] of (extensions ?? []).entries()) {
    if (extension.url !== WORKING_HOURS_URL) continue;
    const at = `Practitioner.extension[${index}]`;
    const problem = (location: string, message: string) => issues.push({ location, message });
    const days: DayCode[] = [];
    let start: number | undefined;
    let end: number | undefined;
    let timeZone: string | undefined;
    const seen = new Set<string>();
    if (Object.keys(extension).some((key) => key.startsWith('value'))) {
      problem(at, 'must have sub-extensions, not a value');
    }
    for (const [partIndex, part] of (extension.extension ?? []).entries()) {
      const where = `${at}.extension[${partIndex}]`;
      if (part.url !== 'daysOfWeek' && seen.has(part.url)) {
        problem(where, 'must be given once');
        continue;
      }
      seen.add(part.url);
      if (part.url === 'daysOfWeek') {
        const day = DAY_CODES.find((candidate) => candidate === part.valueCode);
        if (day === undefined) problem(`${where}.valueCode`, `must be one of: ${DAY_CODES.join(', ')}`);
        else if (days.includes(day)) problem(where, 'must not repeat a day');
        else days.push(day);
      } else if (part.url === 'availableStartTime' || part.url === 'availableEndTime') {
        const seconds = part.valueTime === undefined ? undefined : secondsOfTime(part.valueTime);
        if (seconds === undefined) problem(`${where}.valueTime`, 'must be a time (hh:mm:ss)');
        else if (seconds % (GRID_MINUTES * 60) !== 0) {
          problem(`${where}.valueTime`, `must be on a ${GRID_MINUTES}-minute boundary`);
        } else if (part.url === 'availableStartTime') start = seconds;
        else end = seconds;
      } else if (part.url === 'timeZone') {
        if (part.valueCode === undefined || !isTimeZone(part.valueCode)) {
          problem(`${where}.valueCode`, 'must be an IANA time zone, such as Europe/Amsterdam');
        } else timeZone = part.valueCode;
      } else {
        problem(`${where}.url`, 'must be daysOfWeek, availableStartTime, availableEndTime or timeZone');
      }
    }
    if (days.length === 0) problem(at, 'must have at least one daysOfWeek');
    if (start === undefined) problem(at, 'must have availableStartTime');
    if (end === undefined) problem(at, 'must have availableEndTime');
    if (timeZone === undefined) problem(at, 'must have timeZone');
    if (start !== undefined && end !== undefined && start >= end) {
      problem(at, 'availableStartTime must be before availableEndTime');
    }
    if (
      days.length > 0 &&
      start !== undefined &&
      end !== undefined &&
      timeZone !== undefined &&
      start < end
    ) {
      hours.push({ days, startSecond: start, endSecond: end, timeZone });
    }
  }
  return { hours: issues.length > 0 ? [] : hours, issues };
}

/** The working hours of a stored practitioner (validated when it was written). */
export const workingHoursOf = (practitioner: {
  extension?: readonly Extension[] | undefined;
}): WorkingHours[] => parseWorkingHours(practitioner.extension).hours;

/** Sorted, with overlapping and touching intervals joined. */
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].filter((one) => one.end > one.start).sort((a, b) => a.start - b.start);
  const merged: Interval[] = [];
  for (const interval of sorted) {
    const last = merged.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else merged.push({ ...interval });
  }
  return merged;
}

/** The working windows that overlap [from, to), as instants, merged where they touch. */
export function workingWindows(hours: readonly WorkingHours[], from: number, to: number): Interval[] {
  const windows: Interval[] = [];
  for (const one of hours) {
    const first = localDayOf(one.timeZone, from) - 1;
    const last = localDayOf(one.timeZone, to) + 1;
    for (let day = first; day <= last; day++) {
      if (!one.days.includes(dayCodeOf(day))) continue;
      const start = zonedInstant(one.timeZone, day, one.startSecond);
      const end = zonedInstant(one.timeZone, day, one.endSecond);
      if (end > from && start < to) windows.push({ start, end });
    }
  }
  return mergeIntervals(windows);
}

/** Whether [start, end) lies within the working hours (possibly across touching windows). */
export const withinWorkingHours = (hours: readonly WorkingHours[], start: number, end: number): boolean =>
  workingWindows(hours, start, end).some((window) => window.start <= start && end <= window.end);

export interface FreeBusy extends Interval {
  status: 'free' | 'busy';
}

/**
 * Working time in [from, to) split into free and busy stretches: busy where it overlaps a
 * busy interval. Adjacent busy intervals are joined, so the result says when, never by whom
 * or how many.
 */
export function freeBusy(windows: readonly Interval[], busy: readonly Interval[], from: number, to: number) {
  const taken = mergeIntervals(busy);
  const result: FreeBusy[] = [];
  for (const window of mergeIntervals(windows)) {
    let cursor = Math.max(window.start, from);
    const stop = Math.min(window.end, to);
    for (const interval of taken) {
      if (cursor >= stop) break;
      if (interval.end <= cursor || interval.start >= stop) continue;
      if (interval.start > cursor) result.push({ start: cursor, end: interval.start, status: 'free' });
      const busyEnd = Math.min(interval.end, stop);
      result.push({ start: Math.max(interval.start, cursor), end: busyEnd, status: 'busy' });
      cursor = busyEnd;
    }
    if (cursor < stop) result.push({ start: cursor, end: stop, status: 'free' });
  }
  return result;
}

/** Whether an instant is on the booking grid (whole 5 minutes, no seconds). */
export const onGrid = (instant: number): boolean => instant % GRID_MS === 0;
