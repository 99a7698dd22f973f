import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.ts';
import { HttpError } from './errors.ts';

let documentClient: DynamoDBDocumentClient | undefined;

/** One client per container, created on first use; tests may inject their own. */
export function dynamo(): DynamoDBDocumentClient {
  if (!documentClient) {
    const { DYNAMODB_ENDPOINT, AWS_REGION } = config();
    const client = new DynamoDBClient({
      region: AWS_REGION,
      maxAttempts: 3,
      ...(DYNAMODB_ENDPOINT
        ? { endpoint: DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    });
    documentClient = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
  }
  return documentClient;
}

/** A client for a function that is not given the routes' configuration (the SMART token function). */
export const regionalDynamo = (region: string): DynamoDBDocumentClient =>
  DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: 3 }));

export function setDynamo(client: DynamoDBDocumentClient | undefined): void {
  documentClient = client;
}

export function tableNames(): { records: string; audit: string } {
  const { RECORDS_TABLE, AUDIT_TABLE } = config();
  return { records: RECORDS_TABLE, audit: AUDIT_TABLE };
}

/** BatchGetItem's limit of keys per call. */
const BATCH_GET_KEYS = 100;

/**
 * The items of `keys` in one table (missing keys are simply absent), in calls of 100 keys,
 * retrying what DynamoDB leaves unprocessed with a short backoff; still unprocessed after
 * that, the store is busy: 503.
 */
export async function batchGetItems(
  table: string,
  keys: readonly Record<string, unknown>[],
  { consistent = true }: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  for (let start = 0; start < keys.length; start += BATCH_GET_KEYS) {
    let pending: Record<string, unknown>[] = keys.slice(start, start + BATCH_GET_KEYS);
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((done) => setTimeout(done, Math.min(200, 20 * 2 ** attempt)));
      if (attempt > 6) throw new HttpError(503, 'transient', 'the store is busy, retry later');
      const { Responses, UnprocessedKeys } = await dynamo().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }),
      );
      items.push(...(Responses?.[table] ?? []));
      pending = UnprocessedKeys?.[table]?.Keys ?? [];
    }
  }
  return items;
}
