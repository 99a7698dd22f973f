import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../infra/local/dynamodb.ts';

export const ROOT = resolve(import.meta.dirname, '../..');

export interface RunningGateway {
  url: string;
  dataDir: string;
  logFile: string;
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** The clinician portal's origin in the tests' CORS allow-list. */
export const PORTAL_ORIGIN = 'https://portal.example.test';

export const newDataDir = (): string => mkdtempSync(join(tmpdir(), 'fhir-records-test-'));

/** Starts `npm start`'s entry point as a child process, as a user would, on a free port. */
export async function startGateway(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<RunningGateway> {
  const port = await freePort();
  const logFile = join(dataDir, `gateway-${port}.log`);
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = spawn(process.execPath, [join(ROOT, 'infra/local/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      CORS_ORIGINS: PORTAL_ORIGIN,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}; see ${logFile}`);
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway not ready in 90 s; see ${logFile}`);
    await new Promise((done) => setTimeout(done, 150));
  }
  return {
    url,
    dataDir,
    logFile,
    child,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const code = await exited;
      log.end();
      return code;
    },
  };
}
