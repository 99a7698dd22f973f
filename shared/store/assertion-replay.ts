import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { recordsTable } from '../tables.ts';
import { assertionPk } from './keys.ts';

/**
 * Remembers a backend service's assertion `jti` until `until` (epoch seconds, the table's TTL):
 * true the first time, false for a replay. One conditional PutItem, so two token requests racing
 * with the same assertion cannot both win.
 */
export async function firstUseOfAssertion(
  client: Pick<DynamoDBDocumentClient, 'send'>,
  table: string,
  clientId: string,
  jti: string,
  until: number,
): Promise<boolean> {
  try {
    await client.send(
      new PutCommand({
        TableName: table,
        Item: {
          pk: assertionPk(clientId),
          sk: jti,
          [recordsTable.timeToLiveAttribute ?? 'expiresAt']: until,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}
