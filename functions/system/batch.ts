import { appendRefusedEntries } from '../../shared/audit/log.ts';
import type { AuditEventRecord } from '../../shared/audit/trail.ts';
import { BatchBundle } from '../../shared/fhir/batch.ts';
import { refuseMultiPageReads, replayEntries } from '../../shared/http/batch-entries.ts';
import { dispatcher, entryEvent, inOrder, refusedEntry, responseEntry } from '../../shared/http/dispatch.ts';
import { HttpError, UnprocessableError } from '../../shared/http/errors.ts';
import { toHttpError } from '../../shared/http/request.ts';
import { ok } from '../../shared/http/response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { claimBatch, completeBatch, idempotencyOf } from '../../shared/store/idempotency.ts';

/** Entries in flight at once: enough to finish 100 reads well inside API Gateway's 29 s. */
const CONCURRENCY = 8;

/**
 * POST / (a FHIR batch Bundle, at most 100 entries; optional Idempotency-Key: a retry with the
 * same body replays the response) · any role; each entry is authorized by its own route ·
 * audit E for the batch, and each entry leaves its own AuditEvent as its route does ·
 * 200 (batch-response: each entry with its own status)|400|401|409 (same key in progress)|413|415|422 (transaction, many-page reads, key reused)
 */
export const handler = route(routes.batch, { body: BatchBundle, resourceType: 'Bundle' }, async (request) => {
  if (request.body.type === 'transaction') {
    throw new UnprocessableError('transaction Bundles are not supported; send a batch', {
      code: 'not-supported',
      details: [{ location: 'Bundle.type', message: 'transaction is not supported; use batch' }],
    });
  }
  const idempotency = idempotencyOf(request.principal, request.headers, request.body);
  const origin = {
    event: request.event,
    baseUrl: request.baseUrl,
    requestId: request.requestId,
    ...(idempotency ? { entryIdempotencyPrefix: `batch.${idempotency.keyHash}` } : {}),
  };
  const run = dispatcher();
  // Every entry is routed before any runs, so that a batch of too costly reads does no work at all.
  const routed = request.body.entry.map((entry, index) => {
    try {
      return entryEvent(origin, entry, index);
    } catch (error) {
      return toHttpError(error);
    }
  });
  refuseMultiPageReads(routed);
  const claim = idempotency ? await claimBatch(idempotency) : { kind: 'run' as const };
  if (claim.kind === 'replay') {
    const entries = await replayEntries(origin, run, claim.entries, CONCURRENCY);
    return ok({ resourceType: 'Bundle', type: 'batch-response', entry: entries });
  }
  const refusals: AuditEventRecord[] = [];
  const entries = await inOrder(
    routed.map((entry, index) => async () => {
      try {
        if (entry instanceof HttpError) throw entry;
        return responseEntry(await run.invoke(entry.id, entry.def, entry.event));
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
  if (idempotency) {
    await completeBatch(
      idempotency,
      entries.map(({ response }) => ({ response })),
    );
  }
  await appendRefusedEntries(refusals);
  return ok({ resourceType: 'Bundle', type: 'batch-response', entry: entries });
});
