import { afterAll, afterEach } from 'vitest';

/**
 * Every test file's setup (vitest `setupFiles`): each answer the tests receive over `fetch` that
 * carries FHIR JSON (a body with a `resourceType`, or NDJSON of them) is checked against the
 * official R4 JSON schema, and a finding fails the test that met it. `fetch` is where all of them
 * pass: test/support/api.ts, the SMART helpers, fhir-kit-client and fhirclient alike. The answer
 * is read from a clone, so the test reads its own copy untouched; the check runs after the test
 * (awaited in afterEach), never inside the test's own assertions or error handling.
 */

const JSON_MEDIA = /^application\/(?:fhir\+)?json\b|^application\/[\w.-]+\+json\b/i;
const NDJSON_MEDIA = /^application\/(?:fhir\+|x-)ndjson\b/i;

const pending: Promise<void>[] = [];
const findings: string[] = [];

function requestOf(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]): string {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  const url = input instanceof Request ? input.url : String(input);
  return `${method.toUpperCase()} ${url}`;
}

async function check(request: string, response: Response, ndjson: boolean): Promise<void> {
  const text = await response.text();
  const bodies: unknown[] = [];
  try {
    if (ndjson) for (const line of text.split('\n')) if (line.trim()) bodies.push(JSON.parse(line));
    if (!ndjson && text.length > 0) bodies.push(JSON.parse(text));
  } catch {
    return; // Not JSON after all: the test's own assertions say whether that is right.
  }
  const resources = bodies.filter(
    (body) => typeof body === 'object' && body !== null && 'resourceType' in body,
  );
  if (resources.length === 0) return;
  const { fhirSchemaViolations, formatViolations } = await import('./fhir-schema.ts');
  resources.forEach((resource, line) => {
    const violations = fhirSchemaViolations(resource);
    if (violations.length === 0) return;
    const where = ndjson ? ` (line ${line + 1})` : '';
    findings.push(
      `${request} → ${response.status}${where} is not valid FHIR R4:\n${formatViolations(violations)
        .split('\n')
        .map((line) => `  ${line}`)
        .join('\n')}`,
    );
  });
}

const unchecked = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const response = await unchecked(input, init);
  const media = response.headers.get('content-type') ?? '';
  const ndjson = NDJSON_MEDIA.test(media);
  // Only JSON is cloned: a clone of an endless stream (server-sent events) would buffer forever.
  if (response.body !== null && (ndjson || JSON_MEDIA.test(media))) {
    const request = requestOf(input, init);
    pending.push(
      check(request, response.clone(), ndjson).catch((error: unknown) => {
        findings.push(`${request} → ${response.status}: the schema check failed: ${String(error)}`);
      }),
    );
  }
  return response;
};

async function reportFindings(): Promise<void> {
  while (pending.length > 0) await Promise.all(pending.splice(0));
  if (findings.length === 0) return;
  const report = findings.splice(0);
  throw new Error(`${report.length} answer(s) of the server are not valid FHIR R4:\n${report.join('\n')}`);
}

afterEach(reportFindings);
// What beforeAll hooks met, or a file without tests.
afterAll(reportFindings);
