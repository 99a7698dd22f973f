import { describe, expect, it } from 'vitest';
import { contracts } from '../../functions/system/openapi.ts';
import { routeEntries } from '../../shared/routes.ts';
import { api, baseUrl, field } from '../support/api.ts';

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

async function document(): Promise<Record<string, unknown>> {
  const response = await api('/openapi.json');
  expect(response.status, response.text).toBe(200);
  const json = response.json;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
  return Object.fromEntries(Object.entries(json));
}

/** Every `$ref` in a JSON value. */
function refsOf(value: unknown, found: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) for (const item of value) refsOf(item, found);
  else if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string') found.add(child);
      else refsOf(child, found);
    }
  }
  return found;
}

const names = (parameters: unknown, where: string): string[] =>
  (Array.isArray(parameters) ? parameters : [])
    .filter((parameter) => field(parameter, 'in') === where)
    .map((parameter) => String(field(parameter, 'name')));

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document, public, for the base URL it was asked at, with a bearer JWT scheme', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(field(doc, 'servers', 0, 'url')).toBe(baseUrl());
    expect(field(doc, 'components', 'securitySchemes', 'bearerAuth')).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
  });

  it('describes every route of the route table with its method, security and summary, and nothing else', async () => {
    const doc = await document();
    const paths = field(doc, 'paths');
    const described: string[] = [];
    for (const [path, item] of Object.entries(typeof paths === 'object' && paths !== null ? paths : {})) {
      for (const method of Object.keys(item))
        if (METHODS.includes(method)) described.push(`${method} ${path}`);
    }
    const table = routeEntries().map(([, def]) => `${def.method.toLowerCase()} ${def.path}`);
    expect(described.sort()).toEqual([...table].sort());
    for (const [id, def] of routeEntries()) {
      const operation = field(paths, def.path, def.method.toLowerCase());
      expect(field(operation, 'operationId')).toBe(id);
      expect(field(operation, 'summary')).toBe(def.summary);
      expect(field(operation, 'security')).toEqual(def.auth === 'jwt' ? [{ bearerAuth: [] }] : []);
    }
  });

  it('every authenticated route has a contract, and its path and query parameters are the contract’s', async () => {
    const doc = await document();
    for (const [id, def] of routeEntries()) {
      const operation = field(doc, 'paths', def.path, def.method.toLowerCase());
      const parameters = field(operation, 'parameters');
      const pathParams = [...def.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      expect(names(parameters, 'path'), id).toEqual(pathParams);
      if (def.auth === 'jwt' && def.interaction !== 'batch')
        expect(id in contracts, `${id} has no contract`).toBe(true);
      // A POST search takes the GET search's parameters in its form body, the URL only its cursor.
      const formSearch = def.method === 'POST' && def.interaction === 'search-type';
      const form = Object.keys(
        Object(
          field(
            operation,
            'requestBody',
            'content',
            'application/x-www-form-urlencoded',
            'schema',
            'properties',
          ),
        ),
      );
      if (formSearch) expect(names(parameters, 'query'), id).toEqual(['_cursor']);
      const query = formSearch ? form : names(parameters, 'query');
      for (const param of def.searchParams ?? []) expect(query, `${id} ${param.name}`).toContain(param.name);
      if (def.interaction === 'search-type')
        expect(query).toEqual(expect.arrayContaining(['_count', '_summary', '_format']));
    }
    const searchAppointments = field(doc, 'paths', '/Appointment', 'get', 'parameters');
    const date = (Array.isArray(searchAppointments) ? searchAppointments : []).find(
      (parameter) => field(parameter, 'name') === 'date',
    );
    // `date=ge..&date=le..`: a repeatable parameter.
    expect(field(date, 'explode')).toBe(true);
    expect(
      field(
        doc,
        'paths',
        '/Appointment/_search',
        'post',
        'requestBody',
        'content',
        'application/x-www-form-urlencoded',
        'encoding',
        'date',
      ),
    ).toEqual({ style: 'form', explode: true });
    expect(names(field(doc, 'paths', '/Patient/{id}', 'put', 'parameters'), 'header')).toContain('If-Match');
  });

  it('request bodies and responses come from the zod schemas, and errors are OperationOutcomes', async () => {
    const doc = await document();
    const schemaOfBody = (path: string, method: string, type = 'application/fhir+json') =>
      field(doc, 'paths', path, method, 'requestBody', 'content', type, 'schema', '$ref');
    expect(schemaOfBody('/Patient', 'post')).toBe('#/components/schemas/Patient');
    expect(schemaOfBody('/Appointment/{id}', 'put')).toBe('#/components/schemas/Appointment');
    expect(schemaOfBody('/Patient/{id}', 'patch', 'application/json-patch+json')).toBe(
      '#/components/schemas/JsonPatch',
    );
    expect(schemaOfBody('/', 'post')).toBe('#/components/schemas/BatchBundle');
    const patient = field(doc, 'components', 'schemas', 'Patient');
    expect(field(patient, 'properties', 'gender', 'enum')).toEqual(['male', 'female', 'other', 'unknown']);
    expect(field(patient, 'additionalProperties')).toBe(false);
    expect(field(patient, 'properties', 'name', 'items', '$ref')).toBe('#/components/schemas/HumanName');
    expect(field(doc, 'components', 'schemas', 'ExtensionElement', 'properties', 'url')).toBeDefined();

    const created = field(doc, 'paths', '/Patient', 'post', 'responses', '201');
    expect(field(created, 'content', 'application/fhir+json', 'schema', '$ref')).toBe(
      '#/components/schemas/Patient',
    );
    expect(field(created, 'headers', 'Location')).toBeDefined();
    expect(field(created, 'headers', 'ETag')).toBeDefined();
    for (const status of ['400', '401', '403', '404', '410', '412', '428']) {
      expect(
        field(
          doc,
          'paths',
          '/Patient/{id}',
          'put',
          'responses',
          status,
          'content',
          'application/fhir+json',
          'schema',
          '$ref',
        ),
        status,
      ).toBe('#/components/schemas/OperationOutcome');
    }
  });

  it('every $ref resolves to a component of the document', async () => {
    const doc = await document();
    const schemas = field(doc, 'components', 'schemas');
    const refs = [...refsOf(doc)];
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref.startsWith('#/components/schemas/'), ref).toBe(true);
      expect(field(schemas, ref.slice('#/components/schemas/'.length)), ref).toBeDefined();
    }
  });
});
