/**
 * Whether a resource matches one `name=value` search criterion, evaluated on the resource
 * itself (not through the store's indexes): what a granular SMART scope's restriction
 * (`patient/Appointment.rs?status=booked`) is checked with on every resource a token reaches.
 * Pure. It understands the FHIRPath the served search parameters use (a path, `|` unions,
 * `.where(resolve() is Type)`); anything else, a modifier, or an unknown parameter matches
 * nothing, so a restriction this server cannot evaluate grants nothing rather than everything.
 */
import type { SearchParameter } from '../resources/definition.ts';

const RESOLVE_IS = /^(.*)\.where\(resolve\(\) is ([A-Z][A-Za-z]*)\)$/;
const PATH = /^[A-Za-z][A-Za-z0-9]*(\.[a-z][A-Za-z0-9]*)*$/;

/** The values one FHIRPath alternative selects, or undefined when it is beyond this evaluator. */
function select(resource: unknown, alternative: string): unknown[] | undefined {
  let path = alternative.trim();
  let referenceType: string | undefined;
  const resolveIs = RESOLVE_IS.exec(path);
  if (resolveIs) {
    path = resolveIs[1] ?? '';
    referenceType = resolveIs[2];
  }
  if (!PATH.test(path)) return undefined;
  // The first step is the type (or `Resource`): the path starts at the resource.
  const [, ...steps] = path.split('.');
  let nodes: unknown[] = [resource];
  for (const step of steps) {
    nodes = nodes.flatMap((node) => {
      if (typeof node !== 'object' || node === null) return [];
      const value: unknown = Reflect.get(node, step);
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    });
  }
  if (referenceType === undefined) return nodes;
  return nodes.filter((node) => referenceOf(node)?.startsWith(`${referenceType}/`));
}

const referenceOf = (node: unknown): string | undefined => {
  if (typeof node !== 'object' || node === null) return undefined;
  const reference: unknown = Reflect.get(node, 'reference');
  return typeof reference === 'string' ? reference : undefined;
};

const field = (node: unknown, name: string): string | undefined => {
  if (typeof node !== 'object' || node === null) return undefined;
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
  if (typeof node !== 'object' || node === null) return false;
  const codings: unknown = Reflect.get(node, 'coding');
  if (Array.isArray(codings))
    return codings.some((coding) => pair(field(coding, 'system'), field(coding, 'code')));
  if (field(node, 'code') !== undefined) return pair(field(node, 'system'), field(node, 'code'));
  return pair(field(node, 'system'), field(node, 'value'));
}

const normalized = (text: string): string =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLowerCase();

/** Every string a node holds (a HumanName's family and given, an Address's lines...). */
const strings = (node: unknown): string[] => {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (typeof node === 'object' && node !== null) return Object.values(node).flatMap(strings);
  return [];
};

/** FHIR string search: case- and accent-insensitive starts-with. */
const stringMatches = (node: unknown, value: string): boolean =>
  strings(node).some((text) => normalized(text).startsWith(normalized(value)));

/** A reference search value: `Type/id`, or an id (of any type the parameter allows). */
function referenceMatches(node: unknown, value: string): boolean {
  const reference = referenceOf(node);
  if (reference === undefined) return false;
  return value.includes('/')
    ? reference === value || reference.endsWith(`/${value}`)
    : reference.endsWith(`/${value}`);
}

/** A date criterion without a prefix: the value's precision, so `2026-12` holds `2026-12-03T10:00Z`. */
const dateMatches = (node: unknown, value: string): boolean =>
  /^\d{4}(-\d{2}(-\d{2})?)?$/.test(value) && typeof node === 'string' && node.startsWith(value);

export function matchesCriterion(
  resource: unknown,
  searchParameters: readonly SearchParameter[],
  name: string,
  value: string,
): boolean {
  const parameter = searchParameters.find((candidate) => candidate.name === name);
  if (!parameter) return false;
  const values: unknown[] = [];
  for (const alternative of parameter.expression.split('|')) {
    const selected = select(resource, alternative);
    if (!selected) return false;
    values.push(...selected);
  }
  // A comma is FHIR's "or" within one parameter.
  const wanted = value.split(',');
  const matches = {
    token: tokenMatches,
    string: stringMatches,
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
