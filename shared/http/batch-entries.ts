/**
 * The batch endpoint's work around dispatch: the Idempotency-Key, refusing reads of many pages
 * before any entry runs, running the entries, and replaying a recorded batch-response.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import { appendRefusedEntries } from '../audit/log.ts';
import type { AuditEventRecord } from '../audit/trail.ts';
import { HttpError, UnprocessableError } from '../base/errors.ts';
import type { BatchBundle } from '../fhir/batch.ts';
import type { RouteDef, RouteId } from '../routes.ts';
import { claimBatch, completeBatch } from '../store/idempotency.ts';
import {
  type BatchOrigin,
  type Dispatcher,
  dispatcher,
  entryEvent,
  inOrder,
  isMultiPageRead,
  refusedEntry,
  responseEntry,
} from './dispatch.ts';
import { toHttpError } from './request.ts';
import type { Request } from './route.ts';

type Routed = { id: RouteId; def: RouteDef; event: APIGatewayProxyEvent } | HttpError;

/** A 422 naming every entry that would read many pages; nothing has run yet. */
export function refuseMultiPageReads(routed: readonly Routed[]): void {
  const costly = routed.flatMap((entry, index) =>
    'def' in entry && isMultiPageRead(entry.def, entry.event) ? [index] : [],
  );
  if (costly.length > 0) {
    throw new UnprocessableError('a batch cannot contain reads of many pages (_summary=count, $verify)', {
      code: 'too-costly',
      details: costly.map((index) => ({
        location: `Bundle.entry[${index}].request.url`,
        message: 'send this read on its own, not in a batch',
      })),
    });
  }
}

/** A recorded entry of an earlier attempt: its response, without the resource. */
const RecordedEntry = z.object({
  response: z.looseObject({ status: z.string(), location: z.optional(z.string()) }),
});

/**
 * The recorded statuses, locations, ETags and outcomes; each resource read again at its
 * location (a vread where the route table has one), authorized and audited as the caller's read.
 */
export async function replayEntries(
  origin: BatchOrigin,
  run: Dispatcher,
  recorded: unknown,
  concurrency: number,
): Promise<unknown[]> {
  const parsed = z.array(RecordedEntry).safeParse(recorded);
  const entries = parsed.success ? parsed.data : [];
  return inOrder(
    entries.map((entry, index) => async () => {
      const { location, status } = entry.response;
      if (!location || !status.startsWith('2')) return entry;
      try {
        const read = entryEvent(origin, { request: { method: 'GET', url: location } }, index);
        const answer = responseEntry(await run.invoke(read.id, read.def, read.event));
        return answer.resource === undefined ? entry : { ...entry, resource: answer.resource };
      } catch {
        return entry;
      }
    }),
    concurrency,
  );
}

/**
 * A batch's answer: its Idempotency-Key claimed or replayed, every entry routed before any runs
 * (so a batch of too costly reads does no work at all), the entries run through their routes,
 * the AuditEvents of entries refused before a route written, and the response recorded for
 * replays.
 */
export async function answerBatch(
  request: Pick<
    Request<unknown, unknown, BatchBundle>,
    'idempotency' | 'event' | 'baseUrl' | 'requestId' | 'audit' | 'body'
  >,
  concurrency: number,
): Promise<{ resourceType: 'Bundle'; type: 'batch-response'; entry?: unknown[] }> {
  const { idempotency } = request;
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
    const entries = await replayEntries(origin, run, claim.entries, concurrency);
    return batchResponse(entries);
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
    concurrency,
  );
  if (idempotency) {
    await completeBatch(
      idempotency,
      entries.map(({ response }) => ({ response })),
    );
  }
  await appendRefusedEntries(refusals);
  return batchResponse(entries);
}

/** An empty batch is answered without an entry element: R4's JSON has no empty arrays. */
const batchResponse = (entries: unknown[]) => ({
  resourceType: 'Bundle' as const,
  type: 'batch-response' as const,
  ...(entries.length > 0 ? { entry: entries } : {}),
});
