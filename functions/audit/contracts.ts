/**
 * What the access-log routes accept, apart from their handlers: the handlers use these, and
 * the OpenAPI document is generated from them without bundling any handler's dependencies.
 */
import * as z from 'zod/mini';
import { contractsFor } from '../../shared/http/contract.ts';
import { count, cursor, IdParams, searchValue } from '../../shared/http/params.ts';

const AuditQuery = z.strictObject({
  patient: z.optional(
    z.pipe(
      z
        .string('must be given once')
        .check(z.regex(/^(Patient\/)?[A-Za-z0-9\-.]{1,64}$/, 'must be a Patient id or Patient/<id>')),
      z.transform((value) => value.replace(/^Patient\//, '')),
    ),
  ),
  agent: searchValue(128),
  date: z.optional(
    z.pipe(
      z.union([z.string(), z.array(z.string()).check(z.maxLength(2, 'may be given at most twice'))]),
      z.transform((value) => (Array.isArray(value) ? value : [value])),
    ),
  ),
  action: z.optional(z.enum(['C', 'R', 'U', 'D', 'E'], 'must be one of C, R, U, D, E')),
  outcome: z.optional(z.enum(['0', '4', '8'], 'must be one of 0, 4, 8')),
  purpose: z.optional(
    z.pipe(
      z.enum(
        ['BTG', 'http://terminology.hl7.org/CodeSystem/v3-ActReason|BTG'],
        'only BTG (break-glass) is served',
      ),
      z.transform((): 'BTG' => 'BTG'),
    ),
  ),
  // Exports page by up to 1000 events a response (~1.5 MB of NDJSON: well inside Lambda's 6 MB).
  _count: z.optional(
    z.pipe(
      z.string().check(z.regex(/^[0-9]{1,4}$/, 'must be a whole number from 1 to 1000')),
      z.pipe(
        z.transform(Number),
        z.number().check(z.gte(1, 'must be at least 1'), z.lte(1000, 'must be at most 1000')),
      ),
    ),
  ),
  _cursor: cursor,
});

const instant = z.string('must be given once').check(z.minLength(10), z.maxLength(40));

export const contracts = contractsFor({
  searchAuditEvents: { query: AuditQuery },
  // POST /<type>/_search: the same parameters, form-encoded in the body.
  searchAuditEventsPost: { query: AuditQuery },
  verifyAuditLog: { query: z.strictObject({ from: instant, to: instant }) },
  readAuditEvent: { params: IdParams },
  patientAccessReport: { params: IdParams, query: z.strictObject({ _count: count, _cursor: cursor }) },
});
