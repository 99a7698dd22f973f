import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ListTablesCommand,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type TableDef, tableDefs } from '../../shared/tables.ts';

/** Local table name of a table definition: the same logical table the CDK stack deploys. */
export const localTableName = (def: TableDef): string => `fhir-records-${def.logicalName}`;

/** Creates the tables of shared/tables.ts that do not exist yet; existing ones are kept. */
export async function bootstrapTables(client: DynamoDBClient): Promise<Record<string, string>> {
  const existing = new Set((await client.send(new ListTablesCommand({}))).TableNames ?? []);
  const names: Record<string, string> = {};
  const defs: readonly TableDef[] = tableDefs;
  for (const def of defs) {
    const name = localTableName(def);
    names[def.logicalName] = name;
    if (existing.has(name)) {
      await enableStream(client, name, def);
      continue;
    }
    const attributes = new Set<string>([def.partitionKey, def.sortKey ?? '']);
    for (const index of def.indexes) {
      attributes.add(index.partitionKey);
      if (index.sortKey) attributes.add(index.sortKey);
    }
    attributes.delete('');
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributes].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        ...(def.stream ? { StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream } } : {}),
        KeySchema: [
          { AttributeName: def.partitionKey, KeyType: 'HASH' },
          ...(def.sortKey ? [{ AttributeName: def.sortKey, KeyType: 'RANGE' as const }] : []),
        ],
        ...(def.indexes.length > 0
          ? {
              GlobalSecondaryIndexes: def.indexes.map((index) => ({
                IndexName: index.name,
                KeySchema: [
                  { AttributeName: index.partitionKey, KeyType: 'HASH' as const },
                  ...(index.sortKey ? [{ AttributeName: index.sortKey, KeyType: 'RANGE' as const }] : []),
                ],
                Projection: { ProjectionType: index.projection },
              })),
            }
          : {}),
      }),
    );
    if (def.timeToLiveAttribute) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: def.timeToLiveAttribute, Enabled: true },
        }),
      );
    }
  }
  return names;
}

/** Tables created before their definition had a stream get it now. */
async function enableStream(client: DynamoDBClient, name: string, def: TableDef): Promise<void> {
  if (!def.stream) return;
  const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
  if (Table?.StreamSpecification?.StreamEnabled) return;
  await client.send(
    new UpdateTableCommand({
      TableName: name,
      StreamSpecification: { StreamEnabled: true, StreamViewType: def.stream },
    }),
  );
}
