import { paginateQuery, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { patientWrites } from './hooks/patient-writes.ts';
import type { WriteHooks } from './hooks/types.ts';
import { HEAD, resourcePk, typePk } from './keys.ts';
import { getHead, type TransactItem } from './resources.ts';

/**
 * The system job that rebuilds an organization's blind-index items from its decrypted
 * records, under the index key the process is configured with: after a change of the
 * token scheme, and to rotate the HMAC key. It bypasses the access policy (it shows no
 * record to anyone: only tokens leave the process) and is run by operators, never by a
 * request. Idempotent: every current token is written again, the head's `tokens` list is
 * replaced, and the items of tokens the head no longer has are removed.
 */

export interface ReindexReport {
  patients: number;
  written: number;
  removed: number;
}

/** Attempts per record when a concurrent write changes it between the read and the rewrite. */
const MAX_ATTEMPTS = 5;

export const reindexPatientsOfOrganization = (org: string): Promise<ReindexReport> =>
  reindexOrganization(org, patientWrites);

/** The same for any type with a search index (its hooks say what the items are). */
export async function reindexOrganization<T>(org: string, type: WriteHooks<T>): Promise<ReindexReport> {
  const report: ReindexReport = { patients: 0, written: 0, removed: 0 };
  const pages = paginateQuery(
    { client: dynamo(), pageSize: 100 },
    {
      TableName: tableNames().records,
      IndexName: 'byType',
      KeyConditionExpression: 'typePk = :type',
      ExpressionAttributeValues: { ':type': typePk(org, type.resourceType) },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const id = String(item.pk).split('#').at(-1) ?? '';
      if (id === '') continue;
      const outcome = await reindexRecord(org, type, id);
      if (!outcome) continue;
      report.patients += 1;
      report.written += outcome.written;
      report.removed += outcome.removed;
    }
  }
  return report;
}

async function reindexRecord<T>(
  org: string,
  type: WriteHooks<T>,
  id: string,
): Promise<{ written: number; removed: number } | undefined> {
  const table = tableNames().records;
  const index = type.searchIndex;
  if (!index) return undefined;
  for (let attempt = 1; ; attempt++) {
    const head = await getHead(type, org, id);
    // Deletion removed its search items already; a deleted head leaves the byType index.
    if (!head || head.deleted) return undefined;
    const tokens = [...new Set(await index.tokens(org, head.resource))];
    const wanted = new Set(tokens);
    const stale = [...new Set(head.tokens)].filter((token) => !wanted.has(token));
    const items: TransactItem[] = [
      ...tokens.map((token) => ({
        Put: { TableName: table, Item: { ...index.key(org, token, id), id, org } },
      })),
      ...stale.map((token) => ({ Delete: { TableName: table, Key: index.key(org, token, id) } })),
      {
        Update: {
          TableName: table,
          Key: { pk: resourcePk(org, type.resourceType, id), sk: HEAD },
          UpdateExpression: 'SET #tokens = :tokens',
          ConditionExpression: 'versionId = :version AND attribute_not_exists(deleted)',
          ExpressionAttributeNames: { '#tokens': 'tokens' },
          ExpressionAttributeValues: { ':tokens': tokens, ':version': head.versionId },
        },
      },
    ];
    try {
      await dynamo().send(new TransactWriteCommand({ TransactItems: items }));
      return { written: tokens.length, removed: stale.length };
    } catch (error) {
      // A write that won the race indexed the record with the current key: read it again.
      const cancelled = error instanceof Error && error.name === 'TransactionCanceledException';
      if (!cancelled || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
