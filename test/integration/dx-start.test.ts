import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../infra/local/dynamodb.ts';
import { newDataDir, ROOT, startGateway } from '../support/gateway.ts';

/** `npm start` as a user runs it: the real npm, its script, its shell, over a data dir and a port. */

const dataDirs: string[] = [];
afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

interface NpmStart {
  npm: ChildProcess;
  dataDir: string;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function spawnNpmStart(port: number): Promise<NpmStart> {
  const dataDir = newDataDir();
  dataDirs.push(dataDir);
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((done) => npm.once('exit', (code) => done(code)));
  return { npm, dataDir, url: `http://127.0.0.1:${port}`, output: () => output, exited };
}

async function untilReady(start: NpmStart): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (start.npm.exitCode !== null) throw new Error(`npm start exited: ${start.output()}`);
    if (await answers(`${start.url}/health`)) return;
    if (Date.now() > deadline) throw new Error(`npm start not ready in 90 s: ${start.output()}`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

/** Pids of the processes whose command line names the data dir (DynamoDB Local's -dbPath). */
function processesUsing(dataDir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(dataDir)) pids.push(Number(entry));
    } catch {
      // gone while listed
    }
  }
  return pids;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

interface Lock {
  pid: number;
  dynamoEndpoint: string;
}

function lockOf(dataDir: string): Lock {
  const lock: unknown = JSON.parse(readFileSync(join(dataDir, 'gateway.json'), 'utf8'));
  const pid = typeof lock === 'object' && lock !== null && 'pid' in lock ? lock.pid : undefined;
  const endpoint =
    typeof lock === 'object' && lock !== null && 'dynamoEndpoint' in lock ? lock.dynamoEndpoint : undefined;
  if (typeof pid !== 'number' || typeof endpoint !== 'string') throw new Error('unexpected gateway.json');
  return { pid, dynamoEndpoint: endpoint };
}

/** Waits until the gateway, DynamoDB Local and every process of the data dir are gone. */
async function expectTreeGone(dataDir: string, lock: Lock, gatewayUrl: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const left = processesUsing(dataDir);
    const gatewayAlive = alive(lock.pid);
    if (left.length === 0 && !gatewayAlive) break;
    if (Date.now() > deadline) {
      expect({ gatewayAlive, left }, 'processes still running 30 s after the signal').toEqual({
        gatewayAlive: false,
        left: [],
      });
    }
    await new Promise((done) => setTimeout(done, 200));
  }
  expect(await answers(lock.dynamoEndpoint)).toBe(false);
  expect(await answers(`${gatewayUrl}/health`)).toBe(false);
}

/** `/proc/net/tcp{,6}` listening sockets on a port, as their local addresses (hex, kernel order). */
function listeningAddresses(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const found: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [address, localPort] = (local ?? '').split(':');
      if (state === '0A' && localPort === hexPort && address) found.push(address);
    }
  }
  return found;
}

// 127.0.0.1 as /proc/net/tcp writes it, and as an IPv4-mapped IPv6 address in /proc/net/tcp6.
const LOOPBACK = ['0100007F', '0000000000000000FFFF00000100007F'];

describe('npm start', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)(
    'stops the gateway and DynamoDB Local when npm gets %s',
    async (signal) => {
      const start = await spawnNpmStart(await freePort());
      try {
        await untilReady(start);
        const lock = lockOf(start.dataDir);
        expect(processesUsing(start.dataDir).length).toBeGreaterThan(0);
        expect(await answers(lock.dynamoEndpoint)).toBe(true);

        start.npm.kill(signal);
        await start.exited;
        await expectTreeGone(start.dataDir, lock, start.url);
      } finally {
        start.npm.kill('SIGKILL');
      }
    },
    180_000,
  );

  it('when the port is taken, exits naming PORT and leaves no DynamoDB Local running', async () => {
    const port = await freePort();
    const taken: Server = createServer();
    await new Promise<void>((done) => taken.listen(port, '127.0.0.1', () => done()));
    try {
      const start = await spawnNpmStart(port);
      const code = await start.exited;
      expect(code).not.toBe(0);
      expect(start.output()).toContain(`port ${port} is in use`);
      expect(start.output()).toMatch(/set PORT=/);
      expect(processesUsing(start.dataDir)).toEqual([]);
    } finally {
      await new Promise<void>((done) => taken.close(() => done()));
    }
  }, 120_000);
});

describe('DynamoDB Local under the gateway', () => {
  it('listens on 127.0.0.1 only and ends with the gateway even when the gateway is killed', async () => {
    const dataDir = newDataDir();
    dataDirs.push(dataDir);
    const gateway = await startGateway(dataDir);
    try {
      const lock = lockOf(dataDir);
      const addresses = listeningAddresses(Number(new URL(lock.dynamoEndpoint).port));
      expect(addresses.length).toBeGreaterThan(0);
      for (const address of addresses) expect(LOOPBACK, address).toContain(address);

      // No signal handler runs on SIGKILL: DynamoDB Local sees its stdin close and exits.
      gateway.child.kill('SIGKILL');
      await gateway.stop();
      await expectTreeGone(dataDir, lock, gateway.url);
    } finally {
      gateway.child.kill('SIGKILL');
    }
  }, 120_000);
});
