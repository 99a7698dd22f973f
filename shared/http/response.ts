import { BadRequestError } from '../base/errors.ts';

/** What a handler returns; the shared stack turns it into the API Gateway result. */
export interface FhirResponse {
  status: number;
  /** A FHIR resource (serialized as JSON), or a preformatted string with its own content type. */
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
}

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

export const ok = (body: unknown, headers?: Record<string, string>): FhirResponse => ({
  status: 200,
  body,
  ...(headers ? { headers } : {}),
});

export const created = (body: unknown, headers: Record<string, string>): FhirResponse => ({
  status: 201,
  body,
  headers,
});

export const noContent = (): FhirResponse => ({ status: 204 });

export const weakETag = (versionId: number | string): string => `W/"${versionId}"`;

/** `If-Match: W/"3"` (or `"3"`) -> 3; absent -> undefined; anything else is a 400. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(header);
  if (!match?.[1]) throw new BadRequestError('If-Match must be a version ETag such as W/"3"');
  return Number(match[1]);
}

export const isFhirResponse = (value: unknown): value is FhirResponse =>
  typeof value === 'object' && value !== null && 'status' in value && typeof value.status === 'number';
