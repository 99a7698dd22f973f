import { expect } from 'vitest';
import { type VisitReferences, visitExamples } from '../../shared/fhir/clinical-examples.ts';
import type { ClinicalType } from '../../shared/resources/clinical.ts';
import { api, field } from './api.ts';

/** One example of each clinical type, for a visit at `when`. */
export const visitRecord = (
  refs: VisitReferences,
  when: string,
): Record<ClinicalType, Record<string, unknown>> => visitExamples(refs, when);

/** POSTs a resource and returns its id (failing the test unless 201). */
export async function createResource(token: string, body: Record<string, unknown>): Promise<string> {
  const response = await api(`/${String(body.resourceType)}`, { token, body });
  expect(response.status, response.text).toBe(201);
  const id = field(response.json, 'id');
  if (typeof id !== 'string') throw new Error('created resource has no id');
  return id;
}

/** A search's match ids (entries with search.mode `match`), in order. */
export function matchIds(json: unknown): string[] {
  const entries = field(json, 'entry');
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((entry) => field(entry, 'search', 'mode') === 'match')
    .map((entry) => String(field(entry, 'resource', 'id')));
}

/** The `Type/id` of a search's included entries (search.mode `include`). */
export function includedReferences(json: unknown): string[] {
  const entries = field(json, 'entry');
  if (!Array.isArray(entries)) return [];
  return entries
    .filter((entry) => field(entry, 'search', 'mode') === 'include')
    .map(
      (entry) =>
        `${String(field(entry, 'resource', 'resourceType'))}/${String(field(entry, 'resource', 'id'))}`,
    );
}
