/**
 * FHIR `batch` Bundles (https://hl7.org/fhir/R4/http.html#transaction): what `POST /` accepts.
 * Each entry's resource is checked by the route it is sent to, exactly as a single request.
 */
import * as z from 'zod/mini';
import { ContainedResource } from './datatypes.ts';
import { expecting } from './primitives.ts';

export const MAX_BATCH_ENTRIES = 100;

const BatchRequest = z.strictObject({
  method: z.enum(
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    expecting('one of: GET, POST, PUT, PATCH, DELETE'),
  ),
  /** Relative (`Patient/123`, `Patient?family=x`) or absolute under the server's base URL. */
  url: z.string(expecting('a URL')).check(z.minLength(1, 'must not be empty'), z.maxLength(4096)),
  ifMatch: z.optional(z.string().check(z.maxLength(64))),
  ifNoneMatch: z.optional(z.string().check(z.maxLength(64))),
  ifModifiedSince: z.optional(z.string().check(z.maxLength(64))),
  ifNoneExist: z.optional(z.string().check(z.maxLength(4096))),
});

const BatchEntry = z.strictObject({
  fullUrl: z.optional(z.string().check(z.maxLength(4096))),
  /** For PATCH: a Binary whose `data` is the base64 of a JSON Patch document. */
  resource: z.optional(ContainedResource),
  request: BatchRequest,
});

export const BatchBundle = z.strictObject({
  resourceType: z.literal('Bundle', expecting('Bundle')),
  id: z.optional(z.string().check(z.maxLength(64))),
  meta: z.optional(z.unknown()),
  /** `transaction` is parsed only to be refused with a clear 422: it is not served. */
  type: z.enum(['batch', 'transaction'], expecting('batch (transaction is not supported)')),
  entry: z._default(
    z
      .array(BatchEntry, expecting('an array'))
      .check(z.maxLength(MAX_BATCH_ENTRIES, `must have at most ${MAX_BATCH_ENTRIES} entries`)),
    [],
  ),
});
export type BatchBundle = z.infer<typeof BatchBundle>;
export type BatchEntry = z.infer<typeof BatchEntry>;
