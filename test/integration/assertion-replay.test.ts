import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { firstUseOfAssertion } from '../../shared/store/assertion-replay.ts';
import { getRecordItem, localDynamo } from '../support/dynamo.ts';

/**
 * The AWS token function's replay store (shared/store/assertion-replay.ts) on DynamoDB Local: the
 * conditional PutItem it sends, under the key prefix its IAM grant is bound to.
 */
describe('the assertion replay store', () => {
  it('takes a jti once per client, even when two requests race with it, and lets it expire by TTL', async () => {
    const { client, tables } = localDynamo();
    const jti = randomUUID();
    const until = Math.floor(Date.now() / 1000) + 300;
    const race = await Promise.all(
      Array.from({ length: 5 }, () => firstUseOfAssertion(client, tables.records, 'analytics', jti, until)),
    );
    expect(race.filter(Boolean)).toHaveLength(1);
    expect(await firstUseOfAssertion(client, tables.records, 'analytics', jti, until)).toBe(false);
    // Another client's assertion may carry the same jti.
    expect(await firstUseOfAssertion(client, tables.records, 'reporting', jti, until)).toBe(true);
    const item = await getRecordItem('_smart#assertion#analytics', jti);
    expect(item).toEqual({ pk: '_smart#assertion#analytics', sk: jti, expiresAt: until });
  });
});
