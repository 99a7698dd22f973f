import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { dataDir, field } from './api.ts';

/**
 * Direct access to the gateway's DynamoDB Local, for assertions on what is really stored.
 * The gateway writes its DynamoDB endpoint and table names into `<dataDir>/gateway.json`.
 */
const GatewayFile = z.object({
  dynamoEndpoint: z.url(),
  tables: z.object({ Records: z.string(), AccessLog: z.string() }),
});

export type RawItem = Record<string, unknown>;

interface LocalDynamo {
  client: DynamoDBDocumentClient;
  tables: { records: string; audit: string };
}

let local: LocalDynamo | undefined;

export function localDynamo(): LocalDynamo {
  if (local) return local;
  const file = GatewayFile.parse(JSON.parse(readFileSync(join(dataDir(), 'gateway.json'), 'utf8')));
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: file.dynamoEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  local = { client, tables: { records: file.tables.Records, audit: file.tables.AccessLog } };
  return local;
}

/** Every item of a table, all pages (a Scan: test assertions only, never a request path). */
export async function scanTable(table: 'records' | 'audit'): Promise<RawItem[]> {
  const { client, tables } = localDynamo();
  const items: RawItem[] = [];
  let start: RawItem | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tables[table], ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every records-table item of one organization: heads, versions, search items, care links, idempotency. */
export async function orgRecordItems(org: string): Promise<RawItem[]> {
  return (await scanTable('records')).filter(
    (item) => typeof item.pk === 'string' && item.pk.startsWith(`${org}#`),
  );
}

/** The items of one resource: `head` and `v#...`. */
export async function resourceItems(org: string, resourceType: string, id: string): Promise<RawItem[]> {
  const { client, tables } = localDynamo();
  const { Items } = await client.send(
    new QueryCommand({
      TableName: tables.records,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `${org}#${resourceType}#${id}` },
      ConsistentRead: true,
    }),
  );
  return Items ?? [];
}

export async function getRecordItem(pk: string, sk: string): Promise<RawItem | undefined> {
  const { client, tables } = localDynamo();
  const { Item } = await client.send(
    new GetCommand({ TableName: tables.records, Key: { pk, sk }, ConsistentRead: true }),
  );
  return Item;
}

export async function putRecordItem(item: RawItem): Promise<void> {
  const { client, tables } = localDynamo();
  await client.send(new PutCommand({ TableName: tables.records, Item: item }));
}

/** Overwrites one attribute of an existing records item, as someone with table access could. */
export async function setRecordAttribute(
  pk: string,
  sk: string,
  name: string,
  value: unknown,
): Promise<void> {
  const { client, tables } = localDynamo();
  await client.send(
    new UpdateCommand({
      TableName: tables.records,
      Key: { pk, sk },
      UpdateExpression: 'SET #name = :value',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#name': name },
      ExpressionAttributeValues: { ':value': value },
    }),
  );
}

/** The AuditEvents of one organization as stored (the `event` attribute parsed), via the byOrg index. */
export async function orgAuditEvents(org: string): Promise<{ item: RawItem; event: unknown }[]> {
  const { client, tables } = localDynamo();
  const events: { item: RawItem; event: unknown }[] = [];
  let start: RawItem | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tables.audit,
        IndexName: 'byOrg',
        KeyConditionExpression: 'orgPk = :org',
        ExpressionAttributeValues: { ':org': org },
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    for (const item of page.Items ?? []) {
      const event: unknown = typeof item.event === 'string' ? JSON.parse(item.event) : undefined;
      events.push({ item, event });
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return events;
}

/**
 * An item as searchable text: every attribute, with binary values rendered both as UTF-8
 * text and as base64, so a plaintext copy hidden in a binary attribute is found too.
 */
export function itemText(item: RawItem): string {
  return JSON.stringify(item, (_key, value: unknown) =>
    value instanceof Uint8Array
      ? `${Buffer.from(value).toString('utf8')} ${Buffer.from(value).toString('base64')} ${Buffer.from(value).toString('latin1')}`
      : value instanceof Set
        ? [...value]
        : value,
  );
}

/** The value of one of our AuditEvent extensions (request id, status...) in a stored event. */
export function auditExtension(event: unknown, url: string, value: 'valueString' | 'valueInteger'): unknown {
  const extensions = field(event, 'extension');
  return Array.isArray(extensions)
    ? field(
        extensions.find((extension) => field(extension, 'url') === url),
        value,
      )
    : undefined;
}
