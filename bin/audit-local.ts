/**
 * Points the audit CLIs at the running local gateway's DynamoDB Local and key material
 * (`<dataDir>/gateway.json`, written by `npm start`). Must run before any shared module
 * reads its configuration.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as z from 'zod/mini';

const GatewayFile = z.object({
  dynamoEndpoint: z.url(),
  tables: z.object({ Records: z.string(), AccessLog: z.string() }),
});

export function useLocalGateway(dataDirOption: string | undefined): string {
  const dataDir = resolve(dataDirOption ?? process.env.DATA_DIR ?? join(import.meta.dirname, '..', '.data'));
  let text: string;
  try {
    text = readFileSync(join(dataDir, 'gateway.json'), 'utf8');
  } catch {
    throw new Error(`no running gateway in ${dataDir}: start it with npm start (or pass --data-dir)`);
  }
  const gateway = GatewayFile.safeParse(JSON.parse(text));
  if (!gateway.success)
    throw new Error(`${join(dataDir, 'gateway.json')} has no DynamoDB endpoint; restart npm start`);
  Object.assign(process.env, {
    STAGE: 'local',
    RECORDS_TABLE: gateway.data.tables.Records,
    AUDIT_TABLE: gateway.data.tables.AccessLog,
    DYNAMODB_ENDPOINT: gateway.data.dynamoEndpoint,
    AWS_REGION: 'us-east-1',
    KEY_SOURCE: 'local',
    LOCAL_KEY_DIR: join(dataDir, 'keys'),
    LOG_LEVEL: 'WARN',
  });
  return dataDir;
}
