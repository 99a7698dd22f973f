/**
 * The batch endpoint's steps around dispatch: refusing reads of many pages before any entry
 * runs, and replaying a batch-response recorded under its Idempotency-Key.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import * as z from 'zod/mini';
import type { RouteDef, RouteId } from '../routes.ts';
import {
  type BatchOrigin,
  type Dispatcher,
  entryEvent,
  inOrder,
  isMultiPageRead,
  responseEntry,
} from './dispatch.ts';
import { type HttpError, UnprocessableError } from './errors.ts';

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
