import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import * as z from 'zod/mini';
import type { HandlerModule } from '../../infra/local/dispatch.ts';
import { createGateway } from '../../infra/local/gateway.ts';
import { createVerifier } from '../../infra/local/issuer.ts';
import { dataDir } from './api.ts';
import { ROOT } from './gateway.ts';

const GatewayFile = z.object({
  dynamoEndpoint: z.url(),
  tables: z.object({ Records: z.string(), AccessLog: z.string() }),
});

/**
 * A second gateway inside the test process, over the run's DynamoDB Local and key
 * material: the same handlers and real HTTP, but their SDK clients and crypto live in this
 * process, so a test can inject a fault (throttling, a failing keyring) into them.
 */
export async function startInProcessGateway(
  options: { handlerModule?: HandlerModule } = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const file = GatewayFile.parse(JSON.parse(readFileSync(join(dataDir(), 'gateway.json'), 'utf8')));
  const keyDir = join(dataDir(), 'keys');
  Object.assign(process.env, {
    STAGE: 'local',
    RECORDS_TABLE: file.tables.Records,
    AUDIT_TABLE: file.tables.AccessLog,
    DYNAMODB_ENDPOINT: file.dynamoEndpoint,
    AWS_REGION: 'us-east-1',
    KEY_SOURCE: 'local',
    LOCAL_KEY_DIR: keyDir,
    CORS_ORIGINS: 'https://portal.example.test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'SILENT',
  });
  const server: Server = createGateway({
    root: ROOT,
    verify: await createVerifier(keyDir),
    ...(options.handlerModule ? { handlerModule: options.handlerModule } : {}),
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
