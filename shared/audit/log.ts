import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { log } from '../base/logger.ts';
import { config } from '../config.ts';
import type { AuditEventRecord } from './trail.ts';

const DAY_SECONDS = 24 * 60 * 60;

/** DynamoDB's limit on the items of one TransactWriteItems. */
export const MAX_TRANSACTION_ITEMS = 100;

type AuditItemPut = {
  TableName: string;
  Item: Record<string, unknown>;
  ConditionExpression: string;
};

/**
 * The access log's one kind of write: conditional Puts that can never overwrite an item.
 * The event comes first, then its disclosure items; they expire together.
 */
export function auditPuts(record: AuditEventRecord): AuditItemPut[] {
  const expiresAt =
    Math.floor(Date.parse(record.resource.recorded) / 1000) + config().AUDIT_RETENTION_DAYS * DAY_SECONDS;
  const TableName = tableNames().audit;
  return [record.item, ...record.disclosures].map((item) => ({
    TableName,
    Item: { ...item, expiresAt },
    ConditionExpression: 'attribute_not_exists(pk)',
  }));
}

/**
 * Writes an AuditEvent and its disclosure items: one PutItem when there are none, else one
 * TransactWriteItems, all or nothing.
 * A search page lists at most 100 patients, of whom the event itself covers one, so event
 * and disclosures fit in one transaction (100 items). Only a count (`_summary=count` reads up
 * to 20 pages and returns no patient's data) can name more: its surplus disclosure items go
 * first in their own transactions, so the event is never written without them (a disclosure
 * whose event failed points at nothing and is skipped on read).
 */
export async function appendAuditEvent(record: AuditEventRecord): Promise<void> {
  const [event, ...disclosures] = auditPuts(record);
  if (!event) return;
  if (disclosures.length === 0) {
    await dynamo().send(new PutCommand(event));
    return;
  }
  const room = MAX_TRANSACTION_ITEMS - 1;
  const first = disclosures.slice(0, room);
  for (let start = room; start < disclosures.length; start += MAX_TRANSACTION_ITEMS) {
    const chunk = disclosures.slice(start, start + MAX_TRANSACTION_ITEMS);
    await dynamo().send(new TransactWriteCommand({ TransactItems: chunk.map((Put) => ({ Put })) }));
  }
  await dynamo().send(new TransactWriteCommand({ TransactItems: [event, ...first].map((Put) => ({ Put })) }));
}

/**
 * The AuditEvents of batch entries refused before they reached a route (at most 100, none
 * naming a patient): one TransactWriteItems. Like any refusal's event, a failure to write
 * them is logged and does not fail the batch, whose other entries have already run.
 */
export async function appendRefusedEntries(records: readonly AuditEventRecord[]): Promise<void> {
  const puts = records.flatMap(auditPuts);
  try {
    for (let start = 0; start < puts.length; start += MAX_TRANSACTION_ITEMS) {
      const chunk = puts.slice(start, start + MAX_TRANSACTION_ITEMS);
      await dynamo().send(new TransactWriteCommand({ TransactItems: chunk.map((Put) => ({ Put })) }));
    }
  } catch (cause) {
    log().error('audit write failed', {
      errorName: cause instanceof Error ? cause.name : typeof cause,
      refusedEntries: records.length,
    });
  }
}
