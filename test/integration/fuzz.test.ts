import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { type RouteDef, routeEntries } from '../../shared/routes.ts';
import { api, field, token } from '../support/api.ts';
import { ROOT } from '../support/gateway.ts';

/**
 * Property-based fuzzing of every route in the route table: random and mutated FHIR
 * bodies, query strings, headers and path ids, up to and past the size limit. Whatever
 * arrives, the answer is never a 5xx, every error is an OperationOutcome, and the server
 * keeps serving.
 */
const org = `org-fuzz-${randomUUID().slice(0, 6)}`;
const RUNS = 25;

const fixtures = readdirSync(join(ROOT, 'test/fixtures/fhir'))
  .filter((name) => name.endsWith('.json'))
  .map((name): unknown => JSON.parse(readFileSync(join(ROOT, 'test/fixtures/fhir', name), 'utf8')));

const tokens: Record<string, string> = {};
beforeAll(async () => {
  tokens.admin = await token({ role: 'admin', org, sub: 'fuzz-admin' });
  tokens.clinician = await token({ role: 'clinician', org, sub: 'fuzz-dr', practitionerId: 'pr-fuzz' });
  tokens.patient = await token({ role: 'patient', org, sub: 'fuzz-pt', patientId: 'pt-fuzz' });
  tokens.compliance = await token({ role: 'compliance', org, sub: 'fuzz-co' });
});

const pathValue = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom('..', '%2F', '%00', 'a%2Fb', '-', '.', '1', '0', '999999999999', 'x'.repeat(65), 'ü', '$'),
  fc.stringMatching(/^[A-Za-z0-9.-]{1,64}$/),
);

const queryPart = fc.tuple(
  fc.oneof(
    fc.constantFrom(
      '_count',
      '_cursor',
      '_id',
      'family',
      'given',
      'name',
      'birthdate',
      'gender',
      'identifier',
    ),
    fc.constantFrom(
      'date',
      'patient',
      'practitioner',
      'status',
      'agent',
      'action',
      'outcome',
      'purpose',
      'start',
      'end',
    ),
    fc.string({ maxLength: 12 }),
  ),
  fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.integer().map(String),
    fc.constantFrom('ge2026-01-01', 'le', '', ',', '|x'),
  ),
);

/** A FHIR example with one random element replaced, removed or added. */
const mutatedResource = fc
  .tuple(
    fc.constantFrom(...fixtures),
    fc.string({ maxLength: 20 }),
    fc.jsonValue({ maxDepth: 3 }),
    fc.boolean(),
  )
  .map(([resource, key, value, remove]) => {
    const copy: Record<string, unknown> = {
      ...(typeof resource === 'object' && resource !== null ? resource : {}),
    };
    const keys = Object.keys(copy);
    const target = keys[key.length % Math.max(keys.length, 1)] ?? key;
    if (remove) delete copy[target];
    else copy[key.length % 2 === 0 ? target : key] = value;
    return copy;
  });

const body = fc.oneof(
  mutatedResource.map((value) => JSON.stringify(value)),
  fc.constantFrom(...fixtures).map((value) => JSON.stringify(value)),
  fc.jsonValue({ maxDepth: 6 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constantFrom('', '{', 'null', '[]', '{"resourceType":"Patient","name":"x"}'),
  fc
    .nat({ max: 3 })
    .map(
      (n) =>
        `{"resourceType":"Patient","text":{"status":"generated","div":"<div>${'x'.repeat(n * 400_000)}</div>"}}`,
    ),
  fc.nat({ max: 40 }).map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`),
);

const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/fhir+json',
      'application/json',
      'application/json-patch+json',
      'text/plain',
      'application/xml',
      'multipart/form-data; boundary=x',
    ),
    'if-match': fc.oneof(
      fc.constantFrom('W/"1"', 'W/"2"', '"1"', '*', 'W/"x"'),
      fc.string({ maxLength: 20 }),
    ),
    'idempotency-key': fc.string({ maxLength: 300 }),
    'x-break-glass-reason': fc.string({ maxLength: 600 }),
    prefer: fc.constantFrom(
      'return=minimal',
      'return=representation',
      'return=OperationOutcome',
      'handling=strict',
    ),
  },
  { requiredKeys: [] },
);

const printable = (headerValues: Record<string, string>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headerValues).map(([name, value]) => [name, value.replace(/[^\x20-\x7e]/g, '?')]),
  );

function fillPath(def: RouteDef, values: string[]): string {
  let index = 0;
  return def.path.replace(/\{\w+\}/g, () => encodeURIComponent(values[index++] ?? 'x'));
}

describe('fuzzing every route', () => {
  for (const [id, def] of routeEntries()) {
    // Routes are fuzzed a few at a time (vitest's maxConcurrency): the server takes them together.
    it.concurrent(`${def.method} ${def.path} (${id}) never answers 5xx and always explains an error`, async ({
      expect,
    }) => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(pathValue, { minLength: 3, maxLength: 3 }),
          fc.array(queryPart, { maxLength: 4 }),
          headers,
          body,
          fc.constantFrom('admin', 'clinician', 'patient', 'compliance', 'none'),
          async (pathValues, query, headerValues, rawBody, role) => {
            const search = new URLSearchParams(query).toString();
            const path = `${fillPath(def, pathValues)}${search ? `?${search}` : ''}`;
            const bearer = tokens[role];
            const response = await api(path, {
              method: def.method,
              ...(bearer ? { token: bearer } : {}),
              headers: printable(headerValues),
              ...(def.method === 'GET' || def.method === 'DELETE' ? {} : { rawBody }),
            });
            expect(response.status, `${def.method} ${path}`).toBeLessThan(500);
            if (response.status >= 400) expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
          },
        ),
        { numRuns: RUNS },
      );
    }, 120_000);
  }

  it('leaves the server alive and serving after the fuzzing', async () => {
    expect((await api('/health')).status).toBe(200);
    expect((await api('/metadata')).status).toBe(200);
  });
});
