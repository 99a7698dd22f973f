import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { canonicalJson, sha256Hex } from '../audit/canonical.ts';
import type { Principal } from '../auth/principal.ts';
import { BadRequestError, ConflictError, UnprocessableError } from '../http/errors.ts';
import { dynamo, tableNames } from './client.ts';
import { IDEMPOTENCY_SK, idempotencyPk } from './keys.ts';
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
