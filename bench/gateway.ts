import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { freePort } from '../infra/local/dynamodb.ts';
import { ROOT } from './settings.ts';

/**
 * `npm start`'s entry point as a child process on a temporary data dir, as a user runs it
 * (and as test/support/gateway.ts starts it for the integration tests).
 */
export interface BenchGateway {
  url: string;
  dataDir: string;
  keyDir: string;
  dynamoEndpoint: string;
  tables: { records: string; audit: string };
  pid: number;
  stop(): Promise<void>;
}

const GatewayFile = z.object({
  dynamoEndpoint: z.url(),
  tables: z.object({ Records: z.string(), AccessLog: z.string() }),
});

export async function startGateway(): Promise<BenchGateway> {
  const dataDir = mkdtempSync(join(tmpdir(), 'fhir-records-bench-'));
  const port = await freePort();
  const log = createWriteStream(join(dataDir, 'gateway.log'), { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, [join(ROOT, 'infra/local/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'INFO' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the gateway exited with ${child.exitCode}; see ${dataDir}/gateway.log`);
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`the gateway was not ready in 120 s; see ${dataDir}/gateway.log`);
    await new Promise((done) => setTimeout(done, 150));
  }
  const file = GatewayFile.parse(JSON.parse(readFileSync(join(dataDir, 'gateway.json'), 'utf8')));
  const pid = child.pid;
  if (pid === undefined) throw new Error('the gateway has no pid');
  return {
    url,
    dataDir,
    keyDir: join(dataDir, 'keys'),
    dynamoEndpoint: file.dynamoEndpoint,
    tables: { records: file.tables.Records, audit: file.tables.AccessLog },
    pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      log.end();
    },
  };
}

/** Resident set size now, and its peak, of a process (Linux /proc). */
export function rssOf(pid: number): { rssMiB: number; peakRssMiB: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string): number => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return {
    rssMiB: Math.round((kib('VmRSS') / 1024) * 10) / 10,
    peakRssMiB: Math.round((kib('VmHWM') / 1024) * 10) / 10,
  };
}
