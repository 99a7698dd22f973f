import { UnprocessableError } from '../../shared/base/errors.ts';
import { BatchBundle } from '../../shared/fhir/batch.ts';
import { answerBatch } from '../../shared/http/batch-entries.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';

/** Entries in flight at once: enough to finish 100 reads well inside API Gateway's 29 s. */
const CONCURRENCY = 8;

/**
 * POST / (a FHIR batch Bundle, at most 100 entries; optional Idempotency-Key: a retry with the
 * same body replays the response) · any role; each entry is authorized by its own route ·
 * audit E for the batch, and each entry leaves its own AuditEvent as its route does ·
 * 200 (batch-response: each entry with its own status)|400|401|409 (same key in progress)|413|415|422 (transaction, many-page reads, key reused)
 */
export const handler = route(
  { id: 'batch', body: BatchBundle, resourceType: 'Bundle', idempotencyKey: true },
  async (request) => {
    if (request.body.type === 'transaction') {
      throw new UnprocessableError('transaction Bundles are not supported; send a batch', {
        code: 'not-supported',
        details: [{ location: 'Bundle.type', message: 'transaction is not supported; use batch' }],
      });
    }
    return ok(await answerBatch(request, CONCURRENCY));
  },
);
