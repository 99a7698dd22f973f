/**
 * `npm start`: the real Lambda handlers behind a local API Gateway, over AWS's DynamoDB
 * Local, with local key material. Everything lives in the data dir; restarts keep it.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { localArchive } from '../../shared/audit/archive.ts';
import { ensureLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { bootstrapTables } from './bootstrap.ts';
import { type LocalDynamo, startDynamo } from './dynamodb.ts';
import { createGateway } from './gateway.ts';
import { createVerifier } from './issuer.ts';
import { startLocalSealJob } from './seal-job.ts';
import { createAuthorizationServer } from './smart/server.ts';
import { startStreamPoller } from './stream.ts';

const root = resolve(import.meta.dirname, '../..');
const dataDir = resolve(process.env.DATA_DIR ?? join(root, '.data'));
const host = process.env.HOST ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 3000);
const keyDir = join(dataDir, 'keys');
const lockFile = join(dataDir, 'gateway.json');
const archiveDir = join(dataDir, 'archive');

function refuseSecondInstance(): void {
  if (!existsSync(lockFile)) return;
  const lock: unknown = JSON.parse(readFileSync(lockFile, 'utf8'));
  const pid = typeof lock === 'object' && lock !== null && 'pid' in lock ? lock.pid : undefined;
  if (typeof pid !== 'number') return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale: that process is gone
  }
  throw new Error(`another gateway (pid ${pid}) is using ${dataDir}; stop it or set DATA_DIR`);
}

/** The gateway's port is taken: said with the setting that changes it. */
class PortInUseError extends Error {
  constructor(options?: { cause?: unknown }) {
    super(
      `port ${port} is in use: set PORT=<another port> (e.g. PORT=${port + 1} npm start) to use another`,
      options,
    );
    this.name = 'PortInUseError';
  }
}

const isAddressInUse = (error: unknown): boolean =>
  error instanceof Error && 'code' in error && error.code === 'EADDRINUSE';

/** Fails before DynamoDB Local is started (seconds of JVM start) when the port is taken. */
async function assertPortFree(): Promise<void> {
  const probe = createServer();
  await new Promise<void>((done, fail) => {
    probe.once('error', (error) =>
      fail(isAddressInUse(error) ? new PortInUseError({ cause: error }) : error),
    );
    probe.listen(port, host, () => probe.close(() => done()));
  });
}

let dynamo: LocalDynamo | undefined;

async function main(): Promise<void> {
  refuseSecondInstance();
  await assertPortFree();
  ensureLocalKeyMaterial(keyDir);
  dynamo = await startDynamo(join(dataDir, 'dynamodb'));
  const admin = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const tables = await bootstrapTables(admin);
  admin.destroy();

  Object.assign(process.env, {
    STAGE: 'local',
    RECORDS_TABLE: tables.Records,
    AUDIT_TABLE: tables.AccessLog,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    AWS_REGION: 'us-east-1',
    KEY_SOURCE: 'local',
    LOCAL_KEY_DIR: keyDir,
    AUDIT_ARCHIVE_DIR: archiveDir,
    BINARY_DIR: join(dataDir, 'binaries'),
    CORS_ORIGINS: process.env.CORS_ORIGINS ?? 'http://localhost:5173',
  });

  // What AWS runs beside the API: the stream consumer (archive and tampering alarm) and the
  // scheduled seal, over the same code.
  const poller = await startStreamPoller({
    endpoint: dynamo.endpoint,
    table: tables.AccessLog ?? '',
    archive: localArchive(archiveDir),
    checkpointFile: join(dataDir, 'stream-checkpoints.json'),
  });
  const sealJob = startLocalSealJob();

  const authorizationServer = await createAuthorizationServer({ dataDir, keyDir });
  const server = createGateway({
    root,
    verify: await createVerifier(keyDir, { isRevoked: authorizationServer.isRevoked }),
    authorizationServer,
  });
  await new Promise<void>((done, fail) => {
    server.once('error', (error) =>
      fail(isAddressInUse(error) ? new PortInUseError({ cause: error }) : error),
    );
    server.listen(port, host, () => done());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host}:${boundPort}`;
  // Tests read the DynamoDB Local endpoint and table names from here to inspect raw items.
  writeFileSync(
    lockFile,
    `${JSON.stringify({ url, pid: process.pid, dynamoEndpoint: dynamo.endpoint, tables })}\n`,
  );

  console.log(
    [
      '',
      `  FHIR records API  ${url}`,
      `  data dir          ${dataDir}`,
      `  conformance       curl ${url}/metadata`,
      `  API reference     ${url}/docs`,
      '  demo data         npm run seed   (prints a token for each role)',
      '  a token           npm run token -- --role admin --org org-1 --sub admin-1',
      `  SMART             ${url}/.well-known/smart-configuration   (npm run smart:client registers an app)`,
      '',
    ].join('\n'),
  );

  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${reason}: stopping`);
    server.closeAllConnections();
    await new Promise<void>((done) => server.close(() => done()));
    await sealJob.stop();
    await poller.stop();
    await dynamo?.stop();
    rmSync(lockFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
  // `npm start` execs this in place of its shell, so npm's forwarded SIGINT/SIGTERM arrive here.
  // Should the parent still go without a signal (npm killed, a shell that does not exec), this
  // process is re-parented: stop with the parent rather than run on unseen.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void stop('parent exited');
  }, 500).unref();
}

main().catch(async (error: unknown) => {
  console.error(`gateway failed to start: ${error instanceof Error ? error.message : String(error)}`);
  // Nothing is left behind: DynamoDB Local started for a gateway that did not come up is stopped.
  await dynamo?.stop();
  process.exit(1);
});
