/**
 * Whether a resource matches one `name[:modifier]=value` search criterion, evaluated on the
 * resource itself with FHIR's search semantics (https://hl7.org/fhir/R4/search.html): what
 * searches over decrypted records filter with, and what a granular SMART scope's restriction
 * (`patient/Appointment.rs?status=booked`) is checked with on every resource a token reaches.
 * Pure. It understands the FHIRPath the served search parameters use (a path, `|` unions,
 * choice elements, `.ofType(T)`, `.where(resolve() is Type)`); anything else, an unknown
 * modifier, or an unknown parameter matches nothing, so a restriction this server cannot
 * evaluate grants nothing rather than everything.
 */
import type { SearchParameter } from '../resources/definition.ts';

const RESOLVE_IS = /^(.*)\.where\(resolve\(\) is ([A-Z][A-Za-z]*)\)$/;
const OF_TYPE = /^(.*)\.ofType\(([A-Za-z]+)\)$/;
const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;

const isObject = (node: unknown): node is object => typeof node === 'object' && node !== null;

/** `effective` of an Observation: the one `effectiveDateTime`, `effectivePeriod`... it carries. */
function childValues(node: object, step: string, ofType?: string): unknown[] {
  const direct: unknown = Reflect.get(node, step);
  if (direct !== undefined) return Array.isArray(direct) ? direct : [direct];
  for (const key of Object.keys(node)) {
    if (key.length <= step.length || !key.startsWith(step)) continue;
    const suffix = key.slice(step.length);
    if (!/^[A-Z]/.test(suffix)) continue;
    if (ofType !== undefined && suffix.toLowerCase() !== ofType.toLowerCase()) continue;
    const value: unknown = Reflect.get(node, key);
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  }
  return [];
}

/** The values one FHIRPath alternative selects, or undefined when it is beyond this evaluator. */
function select(resource: unknown, alternative: string): unknown[] | undefined {
  let path = alternative.trim().replace(/^\((.*)\)$/, '$1');
  let referenceType: string | undefined;
  let ofType: string | undefined;
  const resolveIs = RESOLVE_IS.exec(path);
  if (resolveIs) {
    path = resolveIs[1] ?? '';
    referenceType = resolveIs[2];
  }
  const typed = OF_TYPE.exec(path);
  if (typed) {
    path = typed[1] ?? '';
    ofType = typed[2];
  }
  if (!PATH.test(path)) return undefined;
  // The first step is the type (or `Resource`): the path starts at the resource.
  const [, ...steps] = path.split('.');
  let nodes: unknown[] = [resource];
  steps.forEach((step, index) => {
    const last = index === steps.length - 1;
    nodes = nodes.flatMap((node) =>
      isObject(node) ? childValues(node, step, last ? ofType : undefined) : [],
    );
  });
  if (referenceType === undefined) return nodes;
  return nodes.filter((node) => referenceOf(node)?.startsWith(`${referenceType}/`));
}

/** Every value a parameter's expression selects from a resource (undefined: not evaluable). */
export function parameterValues(resource: unknown, parameter: SearchParameter): unknown[] | undefined {
  const values: unknown[] = [];
  for (const alternative of parameter.expression.split('|')) {
    const selected = select(resource, alternative);
    if (!selected) return undefined;
    values.push(...selected);
  }
  return values;
}

const referenceOf = (node: unknown): string | undefined => {
  if (!isObject(node)) return undefined;
  const reference: unknown = Reflect.get(node, 'reference');
  return typeof reference === 'string' ? reference : undefined;
};

const field = (node: unknown, name: string): string | undefined => {
  if (!isObject(node)) return undefined;
  const value: unknown = Reflect.get(node, name);
  return typeof value === 'string' ? value : undefined;
};

/** FHIR token search: `code`, `system|code`, `|code` (no system), `system|` (any code of it). */
function tokenMatches(node: unknown, value: string): boolean {
  const bar = value.indexOf('|');
  const system = bar < 0 ? undefined : value.slice(0, bar);
  const code = bar < 0 ? value : value.slice(bar + 1);
  const pair = (nodeSystem: string | undefined, nodeCode: string | undefined): boolean =>
    nodeCode !== undefined &&
    (code === '' || nodeCode === code) &&
    (system === undefined || (system === '' ? nodeSystem === undefined : nodeSystem === system));
  if (typeof node === 'string') return pair(undefined, node);
  if (typeof node === 'boolean') return pair(undefined, String(node));
  if (!isObject(node)) return false;
  const codings: unknown = Reflect.get(node, 'coding');
  if (Array.isArray(codings))
    return codings.some((coding) => pair(field(coding, 'system'), field(coding, 'code')));
  if (field(node, 'code') !== undefined) return pair(field(node, 'system'), field(node, 'code'));
  return pair(field(node, 'system'), field(node, 'value'));
}

/** Case- and accent-insensitive form of a string, as FHIR's string search compares. */
export const normalizedText = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** Every string a node holds (a HumanName's family and given, an Address's lines...). */
const strings = (node: unknown): string[] => {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (isObject(node)) return Object.values(node).flatMap(strings);
  return [];
};

/** FHIR string search: starts-with, `:exact` equal, `:contains` anywhere (the last two as the spec says). */
function stringMatches(node: unknown, value: string, modifier: string | undefined): boolean {
  if (modifier === 'exact') return strings(node).some((text) => text === value);
  const wanted = normalizedText(value);
  if (modifier === 'contains') return strings(node).some((text) => normalizedText(text).includes(wanted));
  return strings(node).some((text) => normalizedText(text).startsWith(wanted));
}

/** A reference search value: `Type/id`, or an id (of any type the parameter allows). */
function referenceMatches(node: unknown, value: string): boolean {
  const reference = referenceOf(node);
  if (reference === undefined) return false;
  return value.includes('/')
    ? reference === value || reference.endsWith(`/${value}`)
    : reference.endsWith(`/${value}`);
}

/** A span of time, [start, end) in epoch ms. */
export interface TimeRange {
  start: number;
  end: number;
}

const DATE_TIME =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/**
 * The span a date, dateTime or instant covers at its precision: `2026` is the whole year,
 * `2026-12-03T10:00:00Z` one second. Without a time zone the day is taken as UTC.
 */
export function dateRange(value: string): TimeRange | undefined {
  const match = DATE_TIME.exec(value);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const y = Number(year);
  const offset = (() => {
    if (zone === undefined || zone === 'Z') return 0;
    const sign = zone.startsWith('-') ? -1 : 1;
    return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
  })();
  if (month === undefined) return { start: Date.UTC(y, 0, 1), end: Date.UTC(y + 1, 0, 1) };
  const m = Number(month) - 1;
  if (m < 0 || m > 11) return undefined;
  if (day === undefined) return { start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  const d = Number(day);
  if (d < 1 || d > new Date(Date.UTC(y, m + 1, 0)).getUTCDate()) return undefined;
  if (hour === undefined) return { start: Date.UTC(y, m, d), end: Date.UTC(y, m, d + 1) };
  const base = Date.UTC(y, m, d, Number(hour), Number(minute)) - offset;
  if (second === undefined) return { start: base, end: base + 60_000 };
  const withSeconds = base + Number(second) * 1000;
  if (fraction === undefined) return { start: withSeconds, end: withSeconds + 1000 };
  const ms = Math.floor(Number(fraction) * 1000);
  return { start: withSeconds + ms, end: withSeconds + ms + 1 };
}

/** The span of a date element: a date, dateTime, instant or Period (an open end is unbounded). */
export function elementRange(node: unknown): TimeRange | undefined {
  if (typeof node === 'string') return dateRange(node);
  if (!isObject(node)) return undefined;
  const start = field(node, 'start');
  const end = field(node, 'end');
  if (start === undefined && end === undefined) return undefined;
  const from = start === undefined ? undefined : dateRange(start);
  const to = end === undefined ? undefined : dateRange(end);
  if ((start !== undefined && !from) || (end !== undefined && !to)) return undefined;
  return { start: from?.start ?? Number.NEGATIVE_INFINITY, end: to?.end ?? Number.POSITIVE_INFINITY };
}

export const DATE_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb'] as const;
export type DatePrefix = (typeof DATE_PREFIXES)[number];

/** A date search value: its prefix (`eq` when none) and the span of its date. */
export function dateCriterion(value: string): { prefix: DatePrefix; range: TimeRange } | undefined {
  const prefix = DATE_PREFIXES.find((candidate) => value.startsWith(candidate));
  const range = dateRange(prefix ? value.slice(2) : value);
  return range ? { prefix: prefix ?? 'eq', range } : undefined;
}

/**
 * FHIR's date comparison (search.html#prefix): the target's span against the value's span.
 * `eq` the value's span contains the target's; `gt`/`lt` the span above/below the value
 * overlaps the target; `ge`/`le` either; `sa`/`eb` the target starts after / ends before it.
 */
export function dateSpanMatches(prefix: DatePrefix, value: TimeRange, target: TimeRange): boolean {
  const contained = target.start >= value.start && target.end <= value.end;
  switch (prefix) {
    case 'eq':
      return contained;
    case 'ne':
      return !contained;
    case 'gt':
      return target.end > value.end;
    case 'lt':
      return target.start < value.start;
    case 'ge':
      return target.end > value.end || contained;
    case 'le':
      return target.start < value.start || contained;
    case 'sa':
      return target.start >= value.end;
    case 'eb':
      return target.end <= value.start;
  }
}

function dateMatches(node: unknown, value: string): boolean {
  const criterion = dateCriterion(value);
  const target = elementRange(node);
  return (
    criterion !== undefined &&
    target !== undefined &&
    dateSpanMatches(criterion.prefix, criterion.range, target)
  );
}

/** The modifiers served per parameter type; any other is refused by the search contracts. */
export const SERVED_MODIFIERS: Readonly<Record<SearchParameter['type'], readonly string[]>> = {
  token: [],
  string: ['exact', 'contains'],
  reference: [],
  date: [],
};

export function matchesCriterion(
  resource: unknown,
  searchParameters: readonly SearchParameter[],
  name: string,
  value: string,
): boolean {
  const [code = '', modifier, ...rest] = name.split(':');
  const parameter = searchParameters.find((candidate) => candidate.name === code);
  if (!parameter || rest.length > 0) return false;
  if (modifier !== undefined && !SERVED_MODIFIERS[parameter.type].includes(modifier)) return false;
  const values = parameterValues(resource, parameter);
  if (!values) return false;
  // A comma is FHIR's "or" within one parameter.
  const wanted = value.split(',');
  const matches = {
    token: tokenMatches,
    string: (node: unknown, one: string) => stringMatches(node, one, modifier),
    reference: referenceMatches,
    date: dateMatches,
  }[parameter.type];
  return values.some((node) => wanted.some((one) => matches(node, one)));
}

/** Every criterion of one restriction holds (they are joined by `&`). */
export const matchesCriteria = (
  resource: unknown,
  searchParameters: readonly SearchParameter[],
  criteria: readonly (readonly [string, string])[],
): boolean => criteria.every(([name, value]) => matchesCriterion(resource, searchParameters, name, value));
