import { afterAll, afterEach } from 'vitest';

/**
 * Every test file's setup (vitest `setupFiles`): each answer the tests receive over `fetch` that
 * carries FHIR JSON (a body with a `resourceType`, or NDJSON of them), and each resource a test
 * sends that the server accepts, is checked against the official R4 JSON schema, and a finding
 * fails the test that met it. `fetch` is where all of them
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

function parsed(text: string, ndjson: boolean): unknown[] {
  try {
    if (!ndjson) return text.length > 0 ? [JSON.parse(text)] : [];
    return text
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line));
  } catch {
    return []; // Not JSON after all: the test's own assertions say whether that is right.
  }
}

const claimsResourceType = (body: unknown): body is { resourceType: unknown } =>
  typeof body === 'object' && body !== null && 'resourceType' in body;

async function check(what: string, text: string, ndjson: boolean): Promise<void> {
  const resources = parsed(text, ndjson).filter(claimsResourceType);
  if (resources.length === 0) return;
  const { fhirSchemaViolations, formatViolations } = await import('./fhir-schema.ts');
  resources.forEach((resource, line) => {
    const violations = fhirSchemaViolations(resource);
    if (violations.length === 0) return;
    const where = ndjson ? ` (line ${line + 1})` : '';
    const lines = formatViolations(violations)
      .split('\n')
      .map((one) => `  ${one}`)
      .join('\n');
    findings.push(`${what}${where} is not valid FHIR R4:\n${lines}`);
  });
}

/** The JSON body a request sends, read before fetch consumes it; undefined if none or not JSON. */
async function sentText(input: Parameters<typeof fetch>[0], init: Parameters<typeof fetch>[1]) {
  if (typeof init?.body === 'string') return init.body;
  if (init?.body === undefined && input instanceof Request && input.body !== null)
    if (JSON_MEDIA.test(input.headers.get('content-type') ?? '')) return input.clone().text();
  return undefined;
}

/**
 * A resource the test sent is checked only when the server took it (2xx): tests of refusals send
 * invalid bodies on purpose. A batch is answered 200 whatever its entries' fates, so it is not.
 */
function sentForChecking(text: string | undefined, status: number): string | undefined {
  if (text === undefined || status < 200 || status > 299) return undefined;
  const [body] = parsed(text, false);
  if (!claimsResourceType(body) || body.resourceType === 'Bundle') return undefined;
  return text;
}

const unchecked = globalThis.fetch;
globalThis.fetch = async (input, init) => {
  const sent = await sentText(input, init);
  const response = await unchecked(input, init);
  const request = requestOf(input, init);
  const media = response.headers.get('content-type') ?? '';
  const ndjson = NDJSON_MEDIA.test(media);
  const failed = (error: unknown) => {
    findings.push(`${request} → ${response.status}: the schema check failed: ${String(error)}`);
  };
  const accepted = sentForChecking(sent, response.status);
  if (accepted !== undefined)
    pending.push(
      check(`the body of ${request} (answered ${response.status})`, accepted, false).catch(failed),
    );
  // Only JSON is cloned: a clone of an endless stream (server-sent events) would buffer forever.
  if (response.body !== null && (ndjson || JSON_MEDIA.test(media)))
    pending.push(
      response
        .clone()
        .text()
        .then((text) => check(`${request} → ${response.status}`, text, ndjson))
        .catch(failed),
    );
  return response;
};

async function reportFindings(): Promise<void> {
  while (pending.length > 0) await Promise.all(pending.splice(0));
  if (findings.length === 0) return;
  const report = findings.splice(0);
  throw new Error(`${report.length} FHIR bodies of this test are not valid R4:\n${report.join('\n')}`);
}

afterEach(reportFindings);
// What beforeAll hooks met, or a file without tests.
afterAll(reportFindings);
