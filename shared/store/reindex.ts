import { paginateQuery, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { Patient } from '../fhir/patient.ts';
import { HEAD, resourcePk, typePk } from './keys.ts';
import { MAX_SEARCH_ITEMS, patientSearchKeys } from './patient-index.ts';
import { getHead, type ResourceKind, type TransactItem } from './resources.ts';

/**
 * The system job that rebuilds an organization's blind-index items from its decrypted
 * records, under the index key the process is configured with: after a change of the
 * token scheme, and to rotate the HMAC key. It bypasses the access policy (it shows no
 * record to anyone: only tokens leave the process) and is run by operators, never by a
 * request. Idempotent: every current token is written again, the head's `tokens` list is
 * replaced, and the items of tokens the head no longer has are removed.
 */

const kind: ResourceKind<Patient> = { resourceType: 'Patient', schema: Patient };

export interface ReindexReport {
  patients: number;
  written: number;
  removed: number;
}

/** Attempts per record when a concurrent write changes it between the read and the rewrite. */
const MAX_ATTEMPTS = 5;

export async function reindexPatientsOfOrganization(org: string): Promise<ReindexReport> {
  const report: ReindexReport = { patients: 0, written: 0, removed: 0 };
  const pages = paginateQuery(
    { client: dynamo(), pageSize: 100 },
    {
      TableName: tableNames().records,
      IndexName: 'byType',
      KeyConditionExpression: 'typePk = :type',
      ExpressionAttributeValues: { ':type': typePk(org, 'Patient') },
    },
  );
  for await (const page of pages) {
    for (const item of page.Items ?? []) {
      const id = String(item.pk).split('#').at(-1) ?? '';
      if (id === '') continue;
      const outcome = await reindexPatient(org, id);
      if (!outcome) continue;
      report.patients += 1;
      report.written += outcome.written;
      report.removed += outcome.removed;
    }
  }
  return report;
}

async function reindexPatient(
  org: string,
  id: string,
): Promise<{ written: number; removed: number } | undefined> {
  const table = tableNames().records;
  for (let attempt = 1; ; attempt++) {
    const head = await getHead(kind, org, id);
    // Deletion removed its search items already; a deleted head leaves the byType index.
    if (!head || head.deleted) return undefined;
    const tokens = [...new Set(await patientSearchKeys(org, head.resource))];
    if (tokens.length > MAX_SEARCH_ITEMS)
      throw new Error(`Patient/${id} has more search values than allowed`);
    const wanted = new Set(tokens);
    const stale = [...new Set(head.tokens)].filter((pk) => !wanted.has(pk));
    const items: TransactItem[] = [
      ...tokens.map((pk) => ({ Put: { TableName: table, Item: { pk, sk: id, id, org } } })),
      ...stale.map((pk) => ({ Delete: { TableName: table, Key: { pk, sk: id } } })),
      {
        Update: {
          TableName: table,
          Key: { pk: resourcePk(org, 'Patient', id), sk: HEAD },
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
