import { appendRefusedEntries } from '../../shared/audit/log.ts';
import type { AuditEventRecord } from '../../shared/audit/trail.ts';
import { BatchBundle } from '../../shared/fhir/batch.ts';
import { dispatcher, entryEvent, inOrder, refusedEntry, responseEntry } from '../../shared/http/dispatch.ts';
import { UnprocessableError } from '../../shared/http/errors.ts';
import { toHttpError } from '../../shared/http/request.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';

/** Entries in flight at once: enough to finish 100 reads well inside API Gateway's 29 s. */
const CONCURRENCY = 8;

/**
 * POST / (a FHIR batch Bundle, at most 100 entries) · any role; each entry is authorized by its
 * own route · audit E for the batch, and each entry leaves its own AuditEvent as its route does ·
 * 200 (batch-response: each entry with its own status)|400|401|413|415|422 (transaction)
 */
export const handler = route(routes.batch, { body: BatchBundle, resourceType: 'Bundle' }, async (request) => {
  if (request.body.type === 'transaction') {
    throw new UnprocessableError('transaction Bundles are not supported; send a batch', {
      code: 'not-supported',
      details: [{ location: 'Bundle.type', message: 'transaction is not supported; use batch' }],
    });
  }
  const origin = { event: request.event, baseUrl: request.baseUrl, requestId: request.requestId };
  const run = dispatcher();
  const refusals: AuditEventRecord[] = [];
  const entries = await inOrder(
    request.body.entry.map((entry, index) => async () => {
      try {
        const { id, def, event } = entryEvent(origin, entry, index);
        return responseEntry(await run.invoke(id, def, event));
      } catch (error) {
        const refused = toHttpError(error);
        // Refused before a route ran (no such route, bad URL...): the entry's AuditEvent is ours.
        refusals.push(
          await request.audit
            .forEntry(index)
            .build(refused.status, refused.status < 500 ? refused.message : undefined),
        );
        return refusedEntry(refused);
      }
    }),
    CONCURRENCY,
  );
  await appendRefusedEntries(refusals);
  return ok({ resourceType: 'Bundle', type: 'batch-response', entry: entries });
});
