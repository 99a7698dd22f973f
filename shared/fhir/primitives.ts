/**
 * FHIR R4 primitive types (https://hl7.org/fhir/R4/datatypes.html#primitive) as zod/mini schemas.
 *
 * Every message here describes what is expected, never what was received: messages end up in
 * OperationOutcomes and logs, and the received value may be PHI.
 */
import * as z from 'zod/mini';
import { narrativeViolation } from './narrative.ts';

/** A missing required element and a wrong value get different words; neither repeats the input. */
export function expecting(description: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? 'is required' : `must be ${description}`,
  };
}

const STRING_MAX = 10_000;
const MARKDOWN_MAX = 100_000;
const XHTML_MAX = 100_000;
const BASE64_MAX = 1_000_000;

/** The year part of FHIR's date regexes: 0001-9999, no year 0000. */
const YEAR = '([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)';
const MONTH = '(0[1-9]|1[0-2])';
const DAY = '(0[1-9]|[1-2][0-9]|3[0-1])';
const CLOCK = '([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]+)?';
const ZONE = '(Z|(\\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))';

const DATE = new RegExp(`^${YEAR}(-${MONTH}(-${DAY})?)?$`);
const DATE_TIME = new RegExp(`^${YEAR}(-${MONTH}(-${DAY}(T${CLOCK}${ZONE})?)?)?$`);
const INSTANT = new RegExp(`^${YEAR}-${MONTH}-${DAY}T${CLOCK}${ZONE}$`);
const TIME = new RegExp(`^${CLOCK}$`);

/** The regexes accept 2021-02-31; the calendar does not. */
function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (match === null) return true;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

const DATE_MESSAGE = 'a date (YYYY, YYYY-MM or YYYY-MM-DD)';
const DATE_TIME_MESSAGE = 'a dateTime (YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss with a time zone)';
const INSTANT_MESSAGE = 'an instant (YYYY-MM-DDThh:mm:ss with a time zone)';

/** FHIR `id`: 1-64 letters, digits, '-' and '.'. */
export const id = z
  .string(expecting('an id (1-64 letters, digits, "-" or ".")'))
  .check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/, 'must be an id (1-64 letters, digits, "-" or ".")'));

/** FHIR `string`: must have non-whitespace content; capped so one field cannot fill a record. */
export const string = z
  .string(expecting('a string'))
  .check(
    z.maxLength(STRING_MAX, `must be at most ${STRING_MAX} characters`),
    z.regex(/\S/, 'must contain non-whitespace characters'),
  );

/** FHIR `code`: tokens separated by single spaces. */
export const code = z
  .string(expecting('a code'))
  .check(
    z.maxLength(STRING_MAX, `must be at most ${STRING_MAX} characters`),
    z.regex(/^[^\s]+( [^\s]+)*$/, 'must be a code (no leading, trailing or repeated whitespace)'),
  );

const uriLike = (kind: string) =>
  z
    .string(expecting(`a ${kind}`))
    .check(
      z.maxLength(STRING_MAX, `must be at most ${STRING_MAX} characters`),
      z.regex(/^\S+$/, `must be a ${kind} (no whitespace)`),
    );

export const uri = uriLike('uri');
export const url = uriLike('url');
export const canonical = uriLike('canonical');

export const boolean = z.boolean(expecting('true or false'));

/** FHIR `integer` is a signed 32-bit integer. */
export const integer = z.int32(expecting('an integer'));
export const positiveInt = z
  .int32(expecting('a positive integer'))
  .check(z.gte(1, 'must be a positive integer'));
export const unsignedInt = z
  .int32(expecting('a non-negative integer'))
  .check(z.gte(0, 'must be a non-negative integer'));

/** zod's number already refuses NaN and the infinities, which JSON cannot carry anyway. */
export const decimal = z.number(expecting('a decimal number'));

export const date = z
  .string(expecting(DATE_MESSAGE))
  .check(z.refine((value) => DATE.test(value) && isCalendarDay(value), `must be ${DATE_MESSAGE}`));

export const dateTime = z
  .string(expecting(DATE_TIME_MESSAGE))
  .check(z.refine((value) => DATE_TIME.test(value) && isCalendarDay(value), `must be ${DATE_TIME_MESSAGE}`));

export const instant = z
  .string(expecting(INSTANT_MESSAGE))
  .check(z.refine((value) => INSTANT.test(value) && isCalendarDay(value), `must be ${INSTANT_MESSAGE}`));

export const time = z
  .string(expecting('a time (hh:mm:ss)'))
  .check(z.regex(TIME, 'must be a time (hh:mm:ss)'));

export const markdown = z
  .string(expecting('a markdown string'))
  .check(
    z.maxLength(MARKDOWN_MAX, `must be at most ${MARKDOWN_MAX} characters`),
    z.regex(/\S/, 'must contain non-whitespace characters'),
  );

/** Whitespace is allowed between groups (the spec's regex allows it); groups of four are not optional. */
function isBase64(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

export const base64Binary = z
  .string(expecting('base64 data'))
  .check(
    z.maxLength(BASE64_MAX, `must be at most ${BASE64_MAX} characters`),
    z.refine(isBase64, 'must be base64 data'),
  );

/** The narrative div: its shape and size, then FHIR's XHTML rules (narrative.ts). */
export const xhtml = z.string(expecting('an XHTML <div> element')).check(
  z.maxLength(XHTML_MAX, `must be at most ${XHTML_MAX} characters`),
  z.regex(/^<div[\s>/]/, 'must be an XHTML <div> element'),
  z.check((ctx) => {
    // Only a div of bounded size reaches the parser; a message never repeats the markup.
    if (ctx.value.length > XHTML_MAX || !/^<div[\s>/]/.test(ctx.value)) return;
    const message = narrativeViolation(ctx.value);
    if (message) ctx.issues.push({ code: 'custom', message, input: ctx.value });
  }),
);
