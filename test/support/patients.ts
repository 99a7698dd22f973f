import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { type ApiResponse, api, field } from './api.ts';
import { ROOT } from './gateway.ts';

/** A fresh organization id, so test files running in parallel never see each other's records. */
export const newOrg = (): string => `org-${randomUUID().slice(0, 8)}`;

/** A short random tag of letters only (search normalization keeps letters as they are). */
export const letters = (length = 8): string =>
  Array.from(randomUUID().replaceAll('-', '').slice(0, length), (hex) =>
    String.fromCharCode(97 + (Number.parseInt(hex, 16) % 26)),
  ).join('');

/** Made-up, distinctive PHI: any of these strings found at rest is a leak. */
export interface TestPhi {
  family: string;
  given: string;
  birthDate: string;
  line: string;
  phone: string;
  identifier: string;
}

export function testPhi(): TestPhi {
  const tag = letters(6);
  return {
    family: `Zqvorthal${tag}`,
    given: `Wimbrelda${tag}`,
    birthDate: '1903-02-17',
    line: `77 Quillfeather Wynd ${tag}`,
    phone: `+1-555-0147-${String(Math.floor(Math.random() * 9000) + 1000)}`,
    identifier: `MRN-QX-${letters(10)}`,
  };
}

export const IDENTIFIER_SYSTEM = 'urn:oid:1.2.36.146.595.217.0.1';

export function phiPatient(phi: TestPhi, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resourceType: 'Patient',
    identifier: [{ system: IDENTIFIER_SYSTEM, value: phi.identifier }],
    name: [{ family: phi.family, given: [phi.given] }],
    telecom: [{ system: 'phone', value: phi.phone }],
    gender: 'female',
    birthDate: phi.birthDate,
    address: [{ line: [phi.line], city: 'Springfield' }],
    ...extra,
  };
}

export const phiStrings = (phi: TestPhi): string[] => [
  phi.family,
  phi.given,
  phi.birthDate,
  phi.line,
  phi.phone,
  phi.identifier,
];

/** A spec example from test/fixtures/fhir, parsed. */
export function fixture(name: string): Record<string, unknown> {
  const parsed: unknown = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/fhir', name), 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${name} is not a JSON object`);
  }
  return Object.fromEntries(Object.entries(parsed));
}

/** POSTs a Patient and returns its server-assigned id (failing the test unless 201). */
export async function createPatient(
  token: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<string> {
  const response = await api('/Patient', { token, body, headers });
  expect(response.status, response.text).toBe(201);
  const id = field(response.json, 'id');
  if (typeof id !== 'string') throw new Error('created Patient has no id');
  return id;
}

/** The ids of a searchset or history Bundle's entries. */
export function entryIds(response: ApiResponse): string[] {
  const entries = field(response.json, 'entry');
  if (!Array.isArray(entries)) return [];
  return entries.map((entry) => String(field(entry, 'resource', 'id') ?? field(entry, 'fullUrl') ?? ''));
}

/** The `next` link of a Bundle as a path relative to the gateway, or undefined. */
export function nextLink(response: ApiResponse): string | undefined {
  const links = field(response.json, 'link');
  if (!Array.isArray(links)) return undefined;
  const next = links.find((link) => field(link, 'relation') === 'next');
  const url = field(next, 'url');
  if (typeof url !== 'string') return undefined;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}

/** The issue locations (`expression`) of an OperationOutcome. */
export function issueExpressions(response: ApiResponse): string[] {
  const issues = field(response.json, 'issue');
  if (!Array.isArray(issues)) return [];
  return issues.flatMap((issue) => {
    const expression = field(issue, 'expression');
    return Array.isArray(expression) ? expression.map(String) : [];
  });
}

/** A JSON object body as a plain record (empty when the body is not an object), for building the next request. */
export function resourceOf(response: ApiResponse): Record<string, unknown> {
  const { json } = response;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return {};
  return Object.fromEntries(Object.entries(json));
}
