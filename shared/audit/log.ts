import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.ts';
import { dynamo, tableNames } from '../store/client.ts';
import type { AuditEventRecord } from './trail.ts';

const DAY_SECONDS = 24 * 60 * 60;

/**
 * The access log's one write: a conditional Put that can never overwrite an event.
 * The same shape goes into a write's transaction through `auditPut`.
 */
export function auditPut(record: AuditEventRecord) {
  const expiresAt =
    Math.floor(Date.parse(record.resource.recorded) / 1000) + config().AUDIT_RETENTION_DAYS * DAY_SECONDS;
  return {
    TableName: tableNames().audit,
    Item: { ...record.item, expiresAt },
    ConditionExpression: 'attribute_not_exists(pk)',
  };
}

export async function appendAuditEvent(record: AuditEventRecord): Promise<void> {
  await dynamo().send(new PutCommand(auditPut(record)));
}
