/**
 * The OpenAPI 3.1 description of the API, generated from the route table and the routes'
 * contracts (their zod schemas, converted with zod's own `toJSONSchema`). Nothing here
 * describes a single route by hand: a route added to the table and its contracts module
 * appears here with its parameters, bodies and errors.
 */
import * as z from 'zod/mini';
import { Appointment } from '../fhir/appointment.ts';
import { BatchBundle } from '../fhir/batch.ts';
import {
  Address,
  CodeableConcept,
  Coding,
  ContactPoint,
  ContainedResource,
  Extension,
  HumanName,
  Identifier,
  Meta,
  Narrative,
  Period,
  PrimitiveElement,
  Reference,
} from '../fhir/datatypes.ts';
import { JsonPatch } from '../fhir/json-patch.ts';
import { Patient } from '../fhir/patient.ts';
import { Practitioner } from '../fhir/practitioner.ts';
import type { RouteDef, RouteId } from '../routes.ts';
import { type Example, requestExamples, resourceExamples } from './openapi-examples.ts';
import type { AnyContract } from './route.ts';

type Json = Record<string, unknown>;

const REF = '#/components/schemas/';
const ref = (id: string): Json => ({ $ref: `${REF}${id}` });

/** Generic shapes the API answers with; the resources themselves come from their schemas. */
const OperationOutcome = z.object({
  resourceType: z.literal('OperationOutcome'),
  issue: z.array(
    z.object({
      severity: z.enum(['fatal', 'error', 'warning', 'information']),
      code: z.string(),
      diagnostics: z.optional(z.string()),
      expression: z.optional(z.array(z.string())),
    }),
  ),
});

const Bundle = z.object({
  resourceType: z.literal('Bundle'),
  type: z.enum(['searchset', 'history', 'batch-response']),
  total: z.optional(z.number()),
  link: z.optional(z.array(z.object({ relation: z.enum(['self', 'next']), url: z.string() }))),
  entry: z.optional(
    z.array(
      z.object({
        fullUrl: z.optional(z.string()),
        resource: z.optional(ContainedResource),
        search: z.optional(z.object({ mode: z.enum(['match', 'include', 'outcome']) })),
        request: z.optional(z.object({ method: z.string(), url: z.string() })),
        response: z.optional(
          z.object({
            status: z.string(),
            location: z.optional(z.string()),
            etag: z.optional(z.string()),
            lastModified: z.optional(z.string()),
            outcome: z.optional(OperationOutcome),
          }),
        ),
      }),
    ),
  ),
});

/** Resource schemas by resource type; other types answer as a generic resource. */
const RESOURCES: Readonly<Record<string, z.ZodMiniType>> = { Patient, Practitioner, Appointment };

let cachedComponents: Record<string, Json> | undefined;

/** The named schemas, converted once per container (they do not change at run time). */
function componentSchemas(): Record<string, Json> {
  cachedComponents ??= convertComponents();
  return cachedComponents;
}

function convertComponents(): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  const named: [string, z.ZodMiniType][] = [
    ['Patient', Patient],
    ['Practitioner', Practitioner],
    ['Appointment', Appointment],
    ['JsonPatch', JsonPatch],
    ['BatchBundle', BatchBundle],
    ['Bundle', Bundle],
    ['OperationOutcome', OperationOutcome],
    ['Resource', ContainedResource],
    ['Meta', Meta],
    ['Narrative', Narrative],
    ['Identifier', Identifier],
    ['Reference', Reference],
    ['HumanName', HumanName],
    ['ContactPoint', ContactPoint],
    ['Address', Address],
    ['Period', Period],
    ['Coding', Coding],
    ['CodeableConcept', CodeableConcept],
    ['PrimitiveElement', PrimitiveElement],
    ['Extension', Extension],
  ];
  // Extension is lazy (it is recursive) and its input side is "any JSON, bounded": name its
  // object form so that documents show the elements an extension has.
  const extensionObject = extensionElement();
  if (extensionObject) named.push(['ExtensionElement', extensionObject]);
  for (const [id, schema] of named) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    unrepresentable: 'any',
    cycles: 'ref',
    uri: (id) => `${REF}${id}`,
  });
  const result: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema;
    result[id] = rest;
  }
  if (extensionObject) {
    result.Extension = ref('ExtensionElement');
    result.ExtensionElement = compactExtension(result.ExtensionElement);
  }
  return result;
}

/**
 * The extension element as documents show it: `url`, nested `extension`s, and value[x] in
 * words. Every FHIR element may carry extensions, and each value[x] type has its own, so the
 * full schema dereferences to ~400,000 nodes for a Patient; Swagger UI resolves that on every
 * expanded operation and freezes for a minute. Validation is the handlers' zod schema's, unchanged.
 */
function compactExtension(converted: Json | undefined): Json {
  const properties = isJson(converted?.properties) ? converted.properties : {};
  return {
    type: 'object',
    description:
      'A FHIR Extension: `url`, and either one value[x] (valueString, valueCode, valueTime, valueReference, ...) or nested `extension`s',
    required: ['url'],
    properties: {
      ...(properties.url === undefined ? {} : { url: properties.url }),
      extension: { type: 'array', items: { type: 'object', description: 'A nested Extension' } },
    },
    additionalProperties: true,
  };
}

function extensionElement(): z.ZodMiniType | undefined {
  if (!(Extension instanceof z.ZodMiniLazy)) return undefined;
  const inner = Extension._zod.innerType;
  if (!(inner instanceof z.ZodMiniPipe)) return undefined;
  const out = inner._zod.def.out;
  return out instanceof z.ZodMiniObject ? out : undefined;
}

/** A schema as JSON Schema: a reference when it is a named component, inline otherwise. */
function schemaOf(schema: z.ZodMiniType, components: Record<string, Json>): Json {
  for (const [id, named] of Object.entries(RESOURCES)) if (named === schema && components[id]) return ref(id);
  if (schema === JsonPatch) return ref('JsonPatch');
  if (schema === BatchBundle) return ref('BatchBundle');
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: Json;
  description?: string;
  style?: string;
  explode?: boolean;
}

const isJson = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The properties of an object schema as parameters (`_count`, `family`, `id`, ...). */
function parametersOf(schema: z.ZodMiniType, where: 'path' | 'query'): Parameter[] {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  const properties = isJson(json.properties) ? json.properties : {};
  const required = Array.isArray(json.required) ? json.required.map(String) : [];
  return Object.entries(properties).map(([name, property]) => {
    const propertySchema = isJson(property) ? property : {};
    const repeatable = JSON.stringify(propertySchema).includes('"type":"array"');
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      schema: propertySchema,
      ...(repeatable ? { style: 'form', explode: true } : {}),
    };
  });
}

const pathNames = (path: string): string[] =>
  [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').filter((name) => name !== '');

const outcome = (description: string): Json => ({
  description,
  content: { 'application/fhir+json': { schema: ref('OperationOutcome') } },
});

const fhirJson = (schema: Json, description: string, headers: Json = {}, example?: unknown): Json => ({
  description,
  ...(Object.keys(headers).length > 0 ? { headers } : {}),
  content: { 'application/fhir+json': { schema, ...(example === undefined ? {} : { example }) } },
});

const HEADERS = {
  ETag: { description: 'Version of the resource: W/"<versionId>"', schema: { type: 'string' } },
  Location: {
    description: 'Absolute URL of the new version: <base>/<type>/<id>/_history/<versionId>',
    schema: { type: 'string' },
  },
  'Last-Modified': { description: 'meta.lastUpdated as an HTTP date', schema: { type: 'string' } },
};

/**
 * What a route answers when it succeeds, by its FHIR interaction. Resources and Bundles carry
 * an example: Swagger UI would otherwise generate one from the schema (see openapi-examples.ts).
 */
function successResponses(def: RouteDef, examples: Record<string, unknown>): Record<string, Json> {
  const resource = def.resourceType && RESOURCES[def.resourceType] ? ref(def.resourceType) : ref('Resource');
  const example = def.resourceType ? examples[def.resourceType] : undefined;
  const bundle = (type: string) => ({
    resourceType: 'Bundle',
    type,
    ...(example === undefined ? {} : { entry: [{ resource: example }] }),
  });
  const resourceHeaders = { ETag: HEADERS.ETag, 'Last-Modified': HEADERS['Last-Modified'] };
  switch (def.interaction) {
    case 'create':
      return {
        '201': fhirJson(
          resource,
          'Created (the body follows Prefer: return=...)',
          { ...resourceHeaders, Location: HEADERS.Location },
          example,
        ),
      };
    case 'read':
    case 'vread':
    case 'update':
    case 'patch':
      return { '200': fhirJson(resource, 'The resource', resourceHeaders, example) };
    case 'delete':
      return { '204': { description: 'Deleted (logically: the history stays)' } };
    case 'search-type':
      return {
        '200': fhirJson(ref('Bundle'), 'A Bundle (searchset) with paging links', {}, bundle('searchset')),
      };
    case 'history-instance':
      return {
        '200': fhirJson(ref('Bundle'), 'A Bundle (history) with paging links', {}, bundle('history')),
      };
    case 'batch':
      return {
        '200': fhirJson(
          ref('Bundle'),
          'A batch-response Bundle: one entry per request entry',
          {},
          {
            resourceType: 'Bundle',
            type: 'batch-response',
            entry: [{ response: { status: '201 Created', location: 'Patient/example-patient/_history/1' } }],
          },
        ),
      };
    case 'capabilities':
      return { '200': fhirJson(ref('Resource'), 'The CapabilityStatement') };
    default:
      return { '200': fhirJson(ref('Resource'), 'The result') };
  }
}

/** The refusals a route can answer, all as OperationOutcomes, by what the route takes. */
function errorResponses(def: RouteDef, contract: AnyContract | undefined): Record<string, Json> {
  const errors: Record<string, Json> = {};
  const takesInput =
    Boolean(contract?.params || contract?.query || contract?.body) || def.interaction === 'batch';
  if (takesInput)
    errors['400'] = outcome('Invalid parameters or body (issue.expression locates each problem)');
  if (def.auth === 'jwt') {
    errors['401'] = outcome('No valid bearer token');
    errors['403'] = outcome('The role may not use this route');
  }
  if (pathNames(def.path).length > 0) errors['404'] = outcome('Not found, or not visible to the caller');
  if (['read', 'vread', 'update', 'patch'].includes(def.interaction)) errors['410'] = outcome('Deleted');
  if (contract?.body || def.interaction === 'batch') {
    errors['413'] = outcome('Body too large');
    errors['415'] = outcome('Unsupported Content-Type');
    errors['422'] = outcome('Valid FHIR that breaks a business rule');
  }
  if (def.method === 'POST' && def.interaction === 'search-type') {
    errors['413'] = outcome('Form body larger than 16 KB');
    errors['415'] = outcome('Content-Type is not application/x-www-form-urlencoded (UTF-8)');
  }
  if (def.interaction === 'update' || def.interaction === 'patch') {
    errors['409'] = outcome('Conflicts with the current state');
    errors['412'] = outcome('If-Match does not name the current version');
    errors['428'] = outcome('If-Match is required');
  }
  errors['406'] = outcome('_format asks for a format that is not served (XML)');
  if (def.auth === 'jwt') {
    errors['429'] = outcome('Throttled; retry after Retry-After seconds');
    errors['503'] = outcome('Temporarily unavailable (or the access could not be recorded)');
  }
  return errors;
}

const COMMON_QUERY: Parameter[] = [
  {
    name: '_format',
    in: 'query',
    required: false,
    schema: { type: 'string', examples: ['json', 'application/fhir+json'] },
    description: 'json or application/fhir+json; XML answers 406',
  },
];

const SUMMARY_COUNT: Parameter = {
  name: '_summary',
  in: 'query',
  required: false,
  schema: { type: 'string', enum: ['count'] },
  description: 'count: a Bundle with only `total` (counted through the pages, up to a cap)',
};

const NEXT_PAGE_CURSOR: Parameter = {
  name: '_cursor',
  in: 'query',
  required: false,
  schema: { type: 'string' },
  description: 'The opaque cursor of a `next` link: POST the same form to that link for the next page',
};

/**
 * `POST /<type>/_search`: the GET search's parameters as an `application/x-www-form-urlencoded`
 * body, the way to search without search values (PHI) in the URL. Repeatable parameters
 * (`date=ge..&date=le..`) repeat in the form.
 */
function formSearchBody(contract: AnyContract | undefined, example: Example | undefined): Json {
  const fields = [
    ...(contract?.query ? parametersOf(contract.query, 'query') : []),
    SUMMARY_COUNT,
    ...COMMON_QUERY,
  ];
  const repeatable = fields.filter((field) => field.explode);
  return {
    required: false,
    description:
      'The search parameters of the GET search, form-encoded: search this way to keep names, birth dates and identifiers out of URLs (and so out of logs and traces). Parameters in the URL join those of the body. Links of the answer carry only `_cursor`: POST the same form to the `next` link for the next page.',
    content: {
      'application/x-www-form-urlencoded': {
        ...(example ? { examples: { search: example } } : {}),
        schema: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            fields.map((field) => [
              field.name,
              field.description ? { ...field.schema, description: field.description } : field.schema,
            ]),
          ),
        },
        ...(repeatable.length > 0
          ? {
              encoding: Object.fromEntries(
                repeatable.map((field) => [field.name, { style: 'form', explode: true }]),
              ),
            }
          : {}),
      },
    },
  };
}

function operation(
  id: RouteId,
  def: RouteDef,
  contract: AnyContract | undefined,
  components: Record<string, Json>,
  examples: { requests: Partial<Record<RouteId, Example>>; resources: Record<string, unknown> },
) {
  const parameters: Parameter[] = [];
  const fromContract = contract?.params ? parametersOf(contract.params, 'path') : [];
  for (const name of pathNames(def.path)) {
    parameters.push(
      fromContract.find((parameter) => parameter.name === name) ?? {
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      },
    );
  }
  // A POST search takes its parameters in the form body (formSearchBody), not the URL.
  const formSearch = def.method === 'POST' && def.interaction === 'search-type';
  if (contract?.query && !formSearch) parameters.push(...parametersOf(contract.query, 'query'));
  if (def.interaction === 'search-type' && !formSearch) parameters.push(SUMMARY_COUNT);
  if (!formSearch) parameters.push(...COMMON_QUERY);
  if (formSearch) parameters.push(NEXT_PAGE_CURSOR);

  const headerParameters: Json[] = [];
  if (def.interaction === 'update' || def.interaction === 'patch' || def.interaction === 'delete') {
    headerParameters.push({
      name: 'If-Match',
      in: 'header',
      required: def.interaction !== 'delete',
      schema: { type: 'string', examples: ['W/"1"'] },
    });
  }
  if (def.interaction === 'create' || def.interaction === 'batch') {
    headerParameters.push({
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      schema: { type: 'string', maxLength: 128 },
      description: 'Replays the first answer for 24 hours; another body with the same key answers 422',
    });
  }
  if (def.interaction === 'create' && def.resourceType === 'Patient') {
    headerParameters.push({
      name: 'If-None-Exist',
      in: 'header',
      required: false,
      schema: { type: 'string', examples: ['identifier=urn:oid:1.2.3|12345'] },
      description: 'Conditional create: 200 with the one visible match, 412 on several, else created (201)',
    });
  }
  if (contract?.body || def.interaction === 'batch') {
    headerParameters.push({
      name: 'Prefer',
      in: 'header',
      required: false,
      schema: {
        type: 'string',
        enum: ['return=minimal', 'return=representation', 'return=OperationOutcome'],
      },
    });
  }
  if (def.auth === 'jwt' && def.resourceType === 'Patient') {
    headerParameters.push({
      name: 'X-Break-Glass-Reason',
      in: 'header',
      required: false,
      schema: { type: 'string' },
      description:
        'Clinicians: a stated reason to access a record without a care relationship (audited, flagged BTG)',
    });
  }

  const body = def.interaction === 'batch' ? BatchBundle : contract?.body;
  const example = examples.requests[id];
  const mediaType =
    contract?.bodyType === 'json-patch' ? 'application/json-patch+json' : 'application/fhir+json';
  return {
    operationId: id,
    summary: def.summary,
    description: [
      def.auth === 'jwt' ? `Roles: ${def.roles.join(', ')}.` : 'Public: no token needed.',
      def.audit ? `Recorded in the access log (AuditEvent action ${def.audit}).` : 'Not audited.',
      `FHIR interaction: ${def.operation ? `$${def.operation}` : def.interaction}.`,
    ].join(' '),
    tags: [def.resourceType ?? 'System'],
    security: def.auth === 'jwt' ? [{ bearerAuth: [] }] : [],
    parameters: [...parameters, ...headerParameters],
    ...(body
      ? {
          requestBody: {
            required: true,
            content: {
              [mediaType]: {
                schema: schemaOf(body, components),
                ...(example ? { examples: { [id]: example } } : {}),
              },
            },
          },
        }
      : {}),
    ...(formSearch ? { requestBody: formSearchBody(contract, example) } : {}),
    responses: {
      ...successResponses(def, examples.resources),
      ...errorResponses(def, contract),
      default: outcome('Any other error'),
    },
  };
}

/** The OpenAPI 3.1 document for a base URL, from the route table and the routes' contracts. */
export function openApiDocument(
  baseUrl: string,
  routeTable: readonly [RouteId, RouteDef][],
  contracts: Readonly<Partial<Record<RouteId, AnyContract>>>,
): Json {
  const components = componentSchemas();
  // The appointment examples lie in the coming week: computed per document, not cached.
  const now = Date.now();
  const examples = { requests: requestExamples(now), resources: resourceExamples(now) };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const [id, def] of routeTable) {
    const path = paths[def.path] ?? {};
    path[def.method.toLowerCase()] = operation(id, def, contracts[id], components, examples);
    paths[def.path] = path;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'FHIR records API',
      version: '0.1.0',
      description:
        'FHIR R4 Patient, Practitioner, Appointment and AuditEvent over HTTPS. Every authenticated request leaves an AuditEvent. Errors are FHIR OperationOutcomes.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: baseUrl }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routeTable.map(([, def]) => def.resourceType ?? 'System'))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An ID token of the Amazon Cognito user pool (in AWS) or of the local issuer (`npm run token`, `npm run seed`).',
        },
      },
      schemas: components,
    },
  };
}
