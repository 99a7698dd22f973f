import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../infra/local/issuer.ts';
import { api } from '../support/api.ts';
import { newDataDir, type RunningGateway, startGateway } from '../support/gateway.ts';

/**
 * A bounded load run at the local gateway (loopback only): mixed writes and reads for
 * LOAD_SECONDS (60 by default). No 5xx, every 201 readable afterwards, memory stable.
 */
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
const dataDir = newDataDir();
let gateway: RunningGateway;
let bearer: string;

const rssOf = (pid: number | undefined): number => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
};

beforeAll(async () => {
  gateway = await startGateway(dataDir, { LOG_LEVEL: 'WARN' });
  bearer = await mintToken(join(dataDir, 'keys'), { role: 'admin', org: 'org-load', sub: 'load-admin' });
});
afterAll(async () => {
  await gateway.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

function run(duration: number, created: string[], statuses: Map<number, number>): Promise<autocannon.Result> {
  const body = JSON.stringify({
    resourceType: 'Patient',
    name: [{ family: 'Loadtest', given: ['Ada'] }],
    birthDate: '1990-01-01',
    gender: 'female',
  });
  const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/fhir+json' };
  let finish: (result: autocannon.Result) => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const done = new Promise<autocannon.Result>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const options: autocannon.Options = {
    url: gateway.url,
    connections: 8,
    duration,
    requests: [
      {
        method: 'POST',
        path: '/Patient',
        headers,
        body,
        onResponse: (status: number, responseBody: string, context: object) => {
          if (status !== 201) return;
          const id = /"id":"([^"]+)"/.exec(responseBody)?.[1];
          if (id) {
            created.push(id);
            Reflect.set(context, 'id', id);
          }
        },
      },
      {
        method: 'GET',
        headers,
        setupRequest: (request: autocannon.Request, context: object) => {
          const id: unknown = Reflect.get(context, 'id');
          return { ...request, path: typeof id === 'string' ? `/Patient/${id}` : '/Patient?_count=5' };
        },
      },
      { method: 'GET', path: '/Patient?family=loadtest&_count=10', headers },
    ],
  };
  const instance = autocannon(options, (error, result) => (error ? fail(error) : finish(result)));
  instance.on('response', (_client, status) => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  return done;
}

describe('the gateway under load', () => {
  it(
    `serves ${seconds} s of mixed reads and writes with no 5xx, no lost write and stable memory`,
    async () => {
      const created: string[] = [];
      const statuses = new Map<number, number>();
      await run(Math.min(10, seconds), created, statuses);
      const warmRss = rssOf(gateway.child.pid);
      const result = await run(seconds, created, statuses);
      const endRss = rssOf(gateway.child.pid);

      const serverErrors = [...statuses]
        .filter(([status]) => status >= 500)
        .reduce((sum, [, n]) => sum + n, 0);
      expect(serverErrors).toBe(0);
      expect(result.errors).toBe(0);
      expect(created.length).toBeGreaterThan(0);
      for (const id of created) {
        expect((await api(`/Patient/${id}`, { base: gateway.url, token: bearer })).status).toBe(200);
      }
      // Stable: the heap may settle, but a load run must not grow the process without bound.
      expect(endRss).toBeLessThan(warmRss * 1.5);
      console.log(
        `load: ${result.requests.total} requests, ${result.requests.average} req/s, p99 ${result.latency.p99} ms, ` +
          `${created.length} created, RSS ${(warmRss / 2 ** 20).toFixed(0)} -> ${(endRss / 2 ** 20).toFixed(0)} MiB`,
      );
    },
    (seconds * 2 + 120) * 1000,
  );
});
