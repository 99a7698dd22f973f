import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Principal } from '../auth/principal.ts';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { BadRequestError, ConflictError, UnprocessableError } from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { canonicalJson, sha256Hex } from '../crypto/canonical.ts';
import { BATCH_IDEMPOTENCY_SK, IDEMPOTENCY_SK, idempotencyPk } from './keys.ts';
import type { TransactItem } from './resources.ts';

/**
 * `Idempotency-Key` on create: the key is recorded in the create's own transaction, so a
 * retried request can never create a second resource, even when both race. Scoped to the
 * caller (org + sub); stores hashes and the created id, never the body.
 */
const WINDOW_SECONDS = 24 * 60 * 60;
const KEY = /^[\x21-\x7e]{1,255}$/;

const Record = z.object({ requestHash: z.string(), ref: z.string(), expiresAt: z.number() });

export interface Idempotency {
  pk: string;
  requestHash: string;
  /** The client's key, hashed: what a batch derives its entries' keys from. */
  keyHash: string;
}

export function idempotencyOf(
  principal: Principal,
  headers: Readonly<Record<string, string>>,
  body: unknown,
): Idempotency | undefined {
  const key = headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (!KEY.test(key)) {
    throw new BadRequestError('Idempotency-Key must be 1 to 255 printable ASCII characters', {
      details: [
        { location: 'header.Idempotency-Key', message: 'must be 1 to 255 printable ASCII characters' },
      ],
    });
  }
  const keyHash = createHash('sha256').update(key).digest('base64url');
  return {
    pk: idempotencyPk(principal.org, principal.sub, keyHash),
    requestHash: sha256Hex(canonicalJson(body)),
    keyHash,
  };
}

export function idempotencyItem(idempotency: Idempotency, ref: string, now = Date.now()): TransactItem {
  const nowSeconds = Math.floor(now / 1000);
  return {
    Put: {
      TableName: tableNames().records,
      Item: {
        pk: idempotency.pk,
        sk: IDEMPOTENCY_SK,
        requestHash: idempotency.requestHash,
        ref,
        expiresAt: nowSeconds + WINDOW_SECONDS,
      },
      // TTL deletes lazily: an expired record no longer counts.
      ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
      ExpressionAttributeValues: { ':now': nowSeconds },
    },
  };
}

/**
 * After a create lost on its idempotency item: the reference the first request created,
 * once that request has committed. A different body under the same key is a 422.
 */
export async function replayOf(idempotency: Idempotency): Promise<string> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: tableNames().records,
        Key: { pk: idempotency.pk, sk: IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    );
    const record = Record.safeParse(Item);
    if (record.success && record.data.expiresAt >= Math.floor(Date.now() / 1000)) {
      if (record.data.requestHash !== idempotency.requestHash) {
        throw new UnprocessableError('this Idempotency-Key was used with a different request body', {
          details: [{ location: 'header.Idempotency-Key', message: 'already used with a different body' }],
        });
      }
      return record.data.ref;
    }
    await new Promise((done) => setTimeout(done, 25));
  }
  throw new ConflictError('a request with this Idempotency-Key is still in progress; retry later');
}

/**
 * `Idempotency-Key` on a batch (POST /). A batch is many writes, not one transaction, so it is
 * made safe in two layers:
 * - the claim: a conditional PutItem of the key's batch record, held by one attempt at a time
 *   for a lease longer than the batch can run (API Gateway gives up at 29 s, the function at
 *   10 s). A retry meanwhile waits briefly, then gets 409; a retry after the lease (the first
 *   attempt died) takes the claim over; a different body under the key is a 422;
 * - the entries: each POST entry runs with the derived key `<batch key hash>.<index>`, so its
 *   create commits its own idempotency record in its own transaction. Whatever happened to the
 *   first attempt (still running, died half-way, could not record its response), a rerun of an
 *   entry replays the resource it created and never creates a second.
 * Once done, the record keeps the batch-response without resources (statuses, locations,
 * ETags, outcomes: no PHI, so stored without the data key) for the 24 h window.
 */
const BATCH_LEASE_SECONDS = 60;
/** Past this (compressed), the stored response keeps statuses and locations only. */
const MAX_STORED_RESPONSE_BYTES = 300 * 1024;

const BatchRecord = z.object({
  requestHash: z.string(),
  expiresAt: z.number(),
  leaseUntil: z.number(),
  response: z.optional(z.instanceof(Uint8Array)),
});

export type BatchClaim = { kind: 'run' } | { kind: 'replay'; entries: unknown };

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const isConditionFailure = (error: unknown): boolean =>
  error instanceof Error && error.name === 'ConditionalCheckFailedException';

async function takeBatchClaim(idempotency: Idempotency): Promise<boolean> {
  const now = nowSeconds();
  try {
    await dynamo().send(
      new PutCommand({
        TableName: tableNames().records,
        Item: {
          pk: idempotency.pk,
          sk: BATCH_IDEMPOTENCY_SK,
          requestHash: idempotency.requestHash,
          leaseUntil: now + BATCH_LEASE_SECONDS,
          expiresAt: now + WINDOW_SECONDS,
        },
        // Free, expired, or the same batch whose first attempt left its lease unfinished.
        ConditionExpression:
          'attribute_not_exists(pk) OR expiresAt < :now OR (requestHash = :hash AND attribute_not_exists(#response) AND leaseUntil < :now)',
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: { ':now': now, ':hash': idempotency.requestHash },
      }),
    );
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/** Whether this attempt runs the batch, or the response of the attempt that did. */
export async function claimBatch(idempotency: Idempotency): Promise<BatchClaim> {
  for (let attempt = 0; attempt < 40; attempt++) {
    if (await takeBatchClaim(idempotency)) return { kind: 'run' };
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: tableNames().records,
        Key: { pk: idempotency.pk, sk: BATCH_IDEMPOTENCY_SK },
        ConsistentRead: true,
      }),
    );
    const record = BatchRecord.safeParse(Item);
    if (record.success && record.data.expiresAt >= nowSeconds()) {
      if (record.data.requestHash !== idempotency.requestHash) {
        throw new UnprocessableError('this Idempotency-Key was used with a different batch', {
          details: [{ location: 'header.Idempotency-Key', message: 'already used with a different body' }],
        });
      }
      if (record.data.response) {
        return { kind: 'replay', entries: JSON.parse(gunzipSync(record.data.response).toString('utf8')) };
      }
    }
    await new Promise((done) => setTimeout(done, 50));
  }
  throw new ConflictError('a batch with this Idempotency-Key is still in progress; retry later');
}

/**
 * Records the batch-response (entries without resources) for replays. A failure here is
 * logged, not answered: the entries are done, and a retry reruns them safely (see above).
 */
export async function completeBatch(idempotency: Idempotency, entries: readonly unknown[]): Promise<void> {
  let response = gzipSync(JSON.stringify(entries));
  if (response.byteLength > MAX_STORED_RESPONSE_BYTES) {
    const minimal = entries.map((entry) => {
      const outcome = Reflect.get(Object(entry), 'response');
      return { response: { ...Object(outcome), outcome: undefined } };
    });
    response = gzipSync(JSON.stringify(minimal));
  }
  try {
    await dynamo().send(
      new UpdateCommand({
        TableName: tableNames().records,
        Key: { pk: idempotency.pk, sk: BATCH_IDEMPOTENCY_SK },
        UpdateExpression: 'SET #response = :response',
        ConditionExpression: 'requestHash = :hash',
        ExpressionAttributeNames: { '#response': 'response' },
        ExpressionAttributeValues: { ':response': response, ':hash': idempotency.requestHash },
      }),
    );
  } catch (error) {
    log().warn('batch response not recorded for replay', {
      errorName: error instanceof Error ? error.name : typeof error,
    });
  }
}
