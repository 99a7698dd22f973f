/**
 * `npm run bench`: the performance of every route, cold and warm, on this machine.
 * Prints tables and budget verdicts, writes bench/results.json. Not a test: it exits 0
 * whatever the verdicts. Iteration counts come from the environment (see settings.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import { parseStageConfig } from '../infra/stage.ts';
import { type BundleSet, bundleFunctions, type InitTime, measureInit } from './bundle.ts';
import type { ContainerInput, ContainerResult } from './container.ts';
import { type CostPerMillion, costPerMillion, PRICES } from './cost.ts';
import { type CryptoCost, measureCrypto } from './crypto.ts';
import { createFloors } from './floors.ts';
import { type BenchGateway, rssOf, startGateway } from './gateway.ts';
import { type Seeded, seed } from './seed.ts';
import { loadAverage, machine, ROOT, settings } from './settings.ts';
import { type Latency, latencyOf, median, round } from './stats.ts';
import { ADMIN, type Call, type ClientState, type Fixture, type Workload, workloads } from './workloads.ts';

const started = performance.now();
const elapsed = () => `${Math.round((performance.now() - started) / 1000)} s`;
const say = (message: string) =>
  console.log(`[bench ${elapsed()}, load ${loadAverage().join(' ')}] ${message}`);
const loads: Record<string, [number, number, number]> = {};
const stage = (name: string) => {
  loads[name] = loadAverage();
  say(name);
};

/** The Lambda memory size the stack configures (infra/stage.ts defaults, cdk.json context). */
function configuredMemoryMB(): number {
  const cdk: unknown = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8'));
  const context =
    typeof cdk === 'object' &&
    cdk !== null &&
    'context' in cdk &&
    typeof cdk.context === 'object' &&
    cdk.context
      ? cdk.context
      : {};
  return parseStageConfig((key) => Reflect.get(context, key)).memorySize;
}

// ---------------------------------------------------------------------------------------------
// HTTP: sequential latency interleaved with the floor, then throughput at fixed concurrency.

interface HttpRoute {
  route: string;
  ours: Latency;
  floor: Latency;
  /** ours p50 / floor p50 */
  ratio: number;
  failures: number;
  floorTransactionItems?: number;
  load: {
    requestsPerSecond: number;
    p50: number;
    p99: number;
    total: number;
    non2xx: number;
    errors: number;
  };
}

const tokenFor = (workload: Workload, seeded: Seeded) =>
  workload.principal === ADMIN ? seeded.tokens.admin : seeded.tokens.compliance;

async function send(url: string, token: string, call: Call): Promise<{ status: number; body: string }> {
  const response = await fetch(`${url}${call.path}`, {
    method: call.method,
    headers: { ...call.headers, authorization: `Bearer ${token}` },
    ...(call.body !== undefined ? { body: call.body } : {}),
  });
  return { status: response.status, body: await response.text() };
}

async function sequential(
  gateway: BenchGateway,
  token: string,
  workload: Workload,
  floor: () => Promise<void>,
  count: number,
): Promise<{ ours: number[]; floor: number[]; failures: number; lastFailure?: string }> {
  const state: ClientState = {};
  const ours: number[] = [];
  const floors: number[] = [];
  let failures = 0;
  let lastFailure: string | undefined;
  const one = async (record: boolean) => {
    const call = workload.next(state);
    const began = performance.now();
    const { status, body } = await send(gateway.url, token, call);
    if (record) ours.push(performance.now() - began);
    if (status !== workload.status) {
      failures += 1;
      lastFailure = `${status} ${body.slice(0, 300)}`;
    }
    workload.onResponse?.(state, status, body);
  };
  const bare = async (record: boolean) => {
    const began = performance.now();
    await floor();
    if (record) floors.push(performance.now() - began);
  };
  for (let n = 0; n < 10; n++) {
    await one(false);
    await bare(false);
  }
  // Interleaved, alternating which goes first: both see the same load, neither always warms the other.
  for (let n = 0; n < count; n++) {
    if (n % 2 === 0) {
      await one(true);
      await bare(true);
    } else {
      await bare(true);
      await one(true);
    }
  }
  return { ours, floor: floors, failures, ...(lastFailure ? { lastFailure } : {}) };
}

function load(gateway: BenchGateway, token: string, workload: Workload): Promise<HttpRoute['load']> {
  const states = new WeakMap<object, ClientState>();
  const stateOf = (context: object): ClientState => {
    let state = states.get(context);
    if (!state) {
      state = {};
      states.set(context, state);
    }
    return state;
  };
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: gateway.url,
        connections: settings.connections,
        duration: settings.seconds,
        requests: [
          {
            setupRequest: (request, context) => {
              const call = workload.next(stateOf(context));
              return {
                ...request,
                method: call.method,
                path: call.path,
                headers: { ...call.headers, authorization: `Bearer ${token}` },
                ...(call.body !== undefined ? { body: call.body } : {}),
              };
            },
            onResponse: (status, body, context) => workload.onResponse?.(stateOf(context), status, body),
          },
        ],
      },
      (error, result) => {
        if (error) {
          reject(error);
          return;
        }
        resolve({
          requestsPerSecond: round(result.requests.average),
          p50: result.latency.p50,
          p99: result.latency.p99,
          total: result.requests.total,
          non2xx: result.non2xx,
          errors: result.errors,
        });
      },
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Warm containers: one process per function, its handler invoked directly.

function runContainer(input: ContainerInput, gateway: BenchGateway): Promise<ContainerResult> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-records-container-'));
  const inputFile = join(dir, 'input.json');
  writeFileSync(inputFile, JSON.stringify({ ...input, resultFile: join(dir, 'result.json') }));
  return new Promise((resolve, reject) => {
    // The heap limits Lambda's Node.js bootstrap derives from the function's memory (new space a tenth).
    const newSpace = Math.floor(input.memoryMB / 10);
    const lambdaFlags = [
      '--expose-gc',
      `--max-semi-space-size=${Math.floor(newSpace / 2)}`,
      `--max-old-space-size=${input.memoryMB - newSpace}`,
    ];
    const child = spawn(process.execPath, [...lambdaFlags, join(ROOT, 'bench/container.ts'), inputFile], {
      cwd: ROOT,
      env: {
        ...process.env,
        STAGE: 'local',
        AWS_REGION: 'us-east-1',
        RECORDS_TABLE: gateway.tables.records,
        AUDIT_TABLE: gateway.tables.audit,
        DYNAMODB_ENDPOINT: gateway.dynamoEndpoint,
        KEY_SOURCE: 'local',
        LOCAL_KEY_DIR: gateway.keyDir,
        // Logs as in Lambda (one line a request); the bench does not read them.
        LOG_LEVEL: 'INFO',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`container ${input.route} exited with ${code}: ${stderr}`);
        const parsed: ContainerResult = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
        resolve(parsed);
      } catch (error) {
        reject(error);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

async function pool<T, R>(
  items: readonly T[],
  parallel: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      const item = items[index];
      if (item !== undefined) results[index] = await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  return results;
}

// ---------------------------------------------------------------------------------------------

interface Budget {
  line: string;
  /** `skip`: not measured far enough in this run to judge (a time limit stopped it). */
  pass: boolean | 'skip';
  detail: string;
}

const MEASURED_ROUTES = [
  'createPatient',
  'readPatient',
  'updatePatient',
  'searchPatients',
  'createAppointment',
  'searchAppointments',
  'searchAuditEvents',
  'createObservation',
  'readObservation',
  'searchObservation',
  'patientEverything',
] as const;
/** The memory containers' routes: BENCH_MEMORY_FUNCTIONS, where `all` means every measured route family. */
const memoryFunctions = (): string[] =>
  settings.memoryFunctions.includes('all') ? [...MEASURED_ROUTES] : settings.memoryFunctions;

/** Routes that get a short container run only for their per-request cost (units, duration, KMS). */
const COST_CHECKPOINT = 300;

async function main(): Promise<void> {
  const memoryMB = configuredMemoryMB();
  const host = machine();
  const run = new Set(settings.only);
  say(
    `${host.cpuModel}, ${host.cores} cores, ${host.memoryGiB} GiB, node ${host.node}; Lambda memory ${memoryMB} MB`,
  );

  let bundles: BundleSet | undefined;
  let init: { emptyWallMs: number; times: InitTime[] } | undefined;
  let crypto: CryptoCost | undefined;
  let calibration: { seal2KbCpuMs: number; referenceMs: number; slowdown: number } | undefined;
  const http: HttpRoute[] = [];
  const missing: string[] = [];
  let gatewayRss: { beforeLoad: ReturnType<typeof rssOf>; afterLoad: ReturnType<typeof rssOf> } | undefined;
  let containers: ContainerResult[] = [];

  try {
    if (run.has('bundle') || run.has('init')) {
      stage('bundling every function with the CDK esbuild settings');
      bundles = await bundleFunctions();
    }
    if (run.has('init') && bundles) {
      stage(`init: ${bundles.bundles.length} bundles x ${settings.initRuns} fresh processes`);
      init = await measureInit(bundles.bundles, settings.initRuns, 1);
    }
    if (run.has('crypto')) {
      stage('crypto: seal and open per record');
      crypto = await measureCrypto();
      calibration = await calibrate();
    }

    const routeIds = new Set<string>(Object.keys((await import('../shared/routes.ts')).routes));
    for (const route of MEASURED_ROUTES) if (!routeIds.has(route)) missing.push(route);

    if (run.has('http') || run.has('containers')) {
      stage('starting the local gateway over DynamoDB Local');
      const gateway = await startGateway();
      try {
        stage('seeding patients, practitioners and appointments through the API');
        const seeded = await seed(gateway, 40);
        if (run.has('http')) {
          const floors = await createFloors(gateway.dynamoEndpoint, gateway.tables, seeded.http);
          const measured = workloads(seeded.http).filter(
            (workload) =>
              !missing.includes(workload.route) &&
              (settings.routes.length === 0 || settings.routes.includes(workload.route)),
          );
          const sequentialResults = new Map<string, Awaited<ReturnType<typeof sequential>>>();
          for (const workload of measured) {
            const floor = floors.run[workload.route];
            if (!floor) continue;
            stage(`sequential: ${workload.route} (${settings.sequential} requests, each with its floor)`);
            sequentialResults.set(
              workload.route,
              await sequential(gateway, tokenFor(workload, seeded), workload, floor, settings.sequential),
            );
          }
          const beforeLoad = rssOf(gateway.pid);
          for (const workload of measured) {
            const result = sequentialResults.get(workload.route);
            if (!result) continue;
            stage(`load: ${workload.route} (${settings.connections} connections, ${settings.seconds} s)`);
            const throughput = await load(gateway, tokenFor(workload, seeded), workload);
            const ours = latencyOf(result.ours);
            const floor = latencyOf(result.floor);
            if (result.lastFailure)
              say(`  ${workload.route}: ${result.failures} failures, last: ${result.lastFailure}`);
            const items = floors.transactionItems[workload.route];
            http.push({
              route: workload.route,
              ours,
              floor,
              ratio: round(median(result.ours) / median(result.floor), 2),
              failures: result.failures,
              ...(items !== undefined ? { floorTransactionItems: items } : {}),
              load: throughput,
            });
          }
          gatewayRss = { beforeLoad, afterLoad: rssOf(gateway.pid) };
          floors.destroy();
        }
        if (run.has('containers')) {
          const memoryRoutes = memoryFunctions().filter((route) => !missing.includes(route));
          const costRoutes = MEASURED_ROUTES.filter(
            (route) => !missing.includes(route) && !memoryRoutes.includes(route),
          );
          const inputs: Omit<ContainerInput, 'resultFile'>[] = [
            ...costRoutes.map((route) => ({
              route,
              checkpoints: [COST_CHECKPOINT],
              deadline: 0,
              concurrency: 1,
            })),
            ...memoryRoutes.map((route) => ({
              route,
              checkpoints: settings.memoryCheckpoints,
              deadline: -1,
              concurrency: settings.memoryConcurrency,
            })),
          ].map((partial) => ({
            ...partial,
            memoryMB,
            endpoint: gateway.dynamoEndpoint,
            keyDir: gateway.keyDir,
            fixture: seeded.container satisfies Fixture,
          }));
          stage(
            `containers: ${memoryRoutes.join(', ')} to ${settings.memoryCheckpoints.join('/')} invocations ` +
              `(at most ${settings.containerSeconds} s each), ${costRoutes.join(', ')} to ${COST_CHECKPOINT}`,
          );
          const runOne = (input: Omit<ContainerInput, 'resultFile'>) => {
            const deadline =
              input.deadline < 0 && settings.containerSeconds > 0
                ? Date.now() + settings.containerSeconds * 1000
                : 0;
            return runContainer({ ...input, deadline, resultFile: '' }, gateway).then((result) => {
              say(`  ${result.route}: ${result.invocations} invocations, failures ${result.failures}`);
              return result;
            });
          };
          // The short cost runs first, then the long memory runs, which have DynamoDB Local
          // to themselves (it, not the handler, bounds their pace).
          containers = [
            ...(await pool(
              inputs.filter((input) => input.deadline === 0),
              settings.memoryParallel,
              runOne,
            )),
            ...(await pool(
              inputs.filter((input) => input.deadline !== 0),
              settings.memoryParallel,
              runOne,
            )),
          ];
        }
      } finally {
        if (settings.keep) say(`kept the data dir ${gateway.dataDir}`);
        await gateway.stop();
        if (!settings.keep) rmSync(gateway.dataDir, { recursive: true, force: true });
      }
    }
  } finally {
    bundles?.remove();
  }

  stage('report');
  report({ memoryMB, host, bundles, init, crypto, calibration, http, missing, gatewayRss, containers });
}

/**
 * How much slower this machine is now than when DESIGN.md's reference was measured on it
 * (Encryption SDK seal of a 2 KB record with a raw AES keyring: ~0.3 ms). Absolute CPU
 * times are also shown divided by this, as what they would be on the idle machine.
 */
async function calibrate(): Promise<{ seal2KbCpuMs: number; referenceMs: number; slowdown: number }> {
  const { createEnvelope } = await import('../shared/crypto/envelope.ts');
  const { createKeyring } = await import('../shared/crypto/keyring.ts');
  const { randomBytes } = await import('node:crypto');
  const envelope = createEnvelope(createKeyring({ kind: 'local', dataKey: randomBytes(32) }));
  const record = { resourceType: 'Patient', text: { div: 'x'.repeat(2000) } };
  const ref = { tenant: 'org-bench', resourceType: 'Patient', id: 'calibration', versionId: 1 };
  const samples: number[] = [];
  for (let batch = 0; batch < 15; batch++) {
    const cpu = process.cpuUsage();
    for (let n = 0; n < 40; n++) await envelope.seal(ref, record);
    const used = process.cpuUsage(cpu);
    samples.push((used.user + used.system) / 1000 / 40);
  }
  const seal2KbCpuMs = round(median(samples), 3);
  const referenceMs = 0.3;
  return { seal2KbCpuMs, referenceMs, slowdown: round(Math.max(1, seal2KbCpuMs / referenceMs), 2) };
}

interface ReportInput {
  memoryMB: number;
  host: ReturnType<typeof machine>;
  bundles: BundleSet | undefined;
  init: { emptyWallMs: number; times: InitTime[] } | undefined;
  crypto: CryptoCost | undefined;
  calibration: { seal2KbCpuMs: number; referenceMs: number; slowdown: number } | undefined;
  http: HttpRoute[];
  missing: string[];
  gatewayRss: { beforeLoad: ReturnType<typeof rssOf>; afterLoad: ReturnType<typeof rssOf> } | undefined;
  containers: ContainerResult[];
}

const pad = (value: unknown, width: number): string => String(value).padStart(width);
const padEnd = (value: unknown, width: number): string => String(value).padEnd(width);

function report(input: ReportInput): void {
  const { memoryMB, bundles, init, crypto, calibration, http, missing, gatewayRss, containers } = input;
  const budgets: Budget[] = [];
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);

  out('');
  out(
    `Machine: ${input.host.cpuModel}, ${input.host.cores} cores, ${input.host.memoryGiB} GiB, node ${input.host.node}`,
  );
  out(`Load average at start ${input.host.loadAverage.join(' ')}, now ${loadAverage().join(' ')}`);
  if (calibration) {
    out(
      `Calibration: seal of a 2 KB record ${calibration.seal2KbCpuMs} ms CPU vs ${calibration.referenceMs} ms on the idle machine (DESIGN.md): ` +
        `${calibration.slowdown}x slower now`,
    );
  }

  if (http.length > 0) {
    out('');
    out('Warm latency through the local gateway (sequential, ms) vs the bare DynamoDB floor, and load');
    out(
      `${padEnd('route', 20)}${pad('p50', 8)}${pad('p95', 8)}${pad('p99', 8)} |${pad('floor p50', 10)}${pad('p95', 8)}${pad('p99', 8)} |${pad('ratio', 7)} |${pad(`req/s@${settings.connections}`, 10)}${pad('p99', 7)}${pad('non2xx', 8)}`,
    );
    for (const row of http) {
      out(
        `${padEnd(row.route, 20)}${pad(row.ours.p50, 8)}${pad(row.ours.p95, 8)}${pad(row.ours.p99, 8)} |${pad(row.floor.p50, 10)}${pad(row.floor.p95, 8)}${pad(row.floor.p99, 8)} |${pad(`${row.ratio}x`, 7)} |${pad(row.load.requestsPerSecond, 10)}${pad(row.load.p99, 7)}${pad(row.load.non2xx + row.load.errors, 8)}`,
      );
      // Issue 16 holds every family to the same 1.5x (it was 3x when searches decrypted with
      // the SDK's stream pipeline: 1.65x-2x then).
      budgets.push({
        line: `${row.route}: warm p50 within 1.5x its bare DynamoDB floor`,
        pass: row.ratio <= 1.5 && row.failures === 0,
        detail: `${row.ours.p50} ms vs ${row.floor.p50} ms = ${row.ratio}x${row.failures > 0 ? `, ${row.failures} failed requests` : ''}`,
      });
    }
    for (const route of missing) out(`${padEnd(route, 20)} missing: no such route in shared/routes.ts`);
    if (gatewayRss) {
      out(
        `Gateway RSS: ${gatewayRss.beforeLoad.rssMiB} MiB before the load runs, ${gatewayRss.afterLoad.rssMiB} MiB after (peak ${gatewayRss.afterLoad.peakRssMiB} MiB)`,
      );
    }
  }

  if (bundles) {
    out('');
    out(
      `Functions: bundle (CDK esbuild settings) and cold module init (median of ${settings.initRuns} fresh processes)`,
    );
    out(
      `${padEnd('function', 26)}${pad('KB', 8)}${pad('map KB', 8)}${pad('init ms', 10)}${pad('init CPU ms', 13)}`,
    );
    for (const bundle of bundles.bundles) {
      const time = init?.times.find((candidate) => candidate.id === bundle.id);
      const kb = round(bundle.bytes / 1024);
      out(
        `${padEnd(bundle.id, 26)}${pad(kb, 8)}${pad(round(bundle.mapBytes / 1024), 8)}${pad(time ? time.initWallMs : '-', 10)}${pad(time ? time.initCpuMs : '-', 13)}`,
      );
      budgets.push({
        line: `${bundle.id}: bundle at most 500 KB minified`,
        pass: kb <= 500,
        detail: `${kb} KB`,
      });
      if (time) {
        budgets.push({
          line: `${bundle.id}: init at most 150 ms`,
          // The issue's measure (a fresh process loading the bundle, minus an empty one) and
          // the CPU time of the import (all threads, robust to load): both must hold.
          pass: time.initWallMs <= 150 && time.initCpuMs <= 150,
          detail: `${time.initWallMs} ms (process loading it minus an empty process), ${time.initCpuMs} ms CPU`,
        });
      }
    }
    if (init) {
      out(
        `(init ms: median wall time of a fresh process importing the bundle minus that of an empty process, ${init.emptyWallMs} ms; init CPU ms: CPU time of the import, all threads)`,
      );
    }
  }

  if (crypto) {
    out('');
    out(
      `Crypto: ${crypto.recordBytes} B Patient -> ${crypto.ciphertextBytes} B payload; seal ${crypto.sealMs} ms, open ${crypto.openMs} ms per record ` +
        `(${crypto.records} each; keyring ${crypto.keyring.wraps} wraps, ${crypto.keyring.unwraps} unwraps)`,
    );
  }

  const costs: { route: string; cost: CostPerMillion; kmsPerRequest: number }[] = [];
  if (containers.length > 0) {
    out('');
    out(
      `Warm containers (handler invoked directly, sequentially, one process each; Lambda memory ${memoryMB} MB)`,
    );
    out(
      `${padEnd('function', 20)}${pad('calls', 7)}${pad('peak RSS MiB at', 26)}${pad('growth', 8)}${pad('ms p50', 8)}${pad('wrap/unwrap per 1k', 20)}${pad('HMAC/req', 9)}${pad('RRU', 7)}${pad('WRU', 7)}  DynamoDB calls per request`,
    );
    for (const container of containers) {
      const [first] = container.checkpoints;
      const last = container.checkpoints.at(-1);
      const growth =
        first && last && last !== first
          ? round(((last.peakRssMiB - first.peakRssMiB) / first.peakRssMiB) * 100)
          : undefined;
      const perThousand = (count: number) => round((count / container.invocations) * 1000, 2);
      const hmac = Object.values(container.kmsHmacCalls).reduce((sum, count) => sum + count, 0);
      const kmsPerRequest =
        (container.keyring.wraps + container.keyring.unwraps + hmac) / container.invocations;
      out(
        `${padEnd(container.route, 20)}${pad(container.invocations, 7)}${pad(container.checkpoints.map((point) => `${point.peakRssMiB}@${point.invocations}`).join(' '), 26)}${pad(growth === undefined ? '-' : `${growth}%`, 8)}${pad(container.medianMs, 8)}${pad(`${perThousand(container.keyring.wraps)}/${perThousand(container.keyring.unwraps)}`, 20)}${pad(round(hmac / container.invocations, 2), 9)}${pad(container.dynamo.rru, 7)}${pad(container.dynamo.wru, 7)}  ${Object.entries(
          container.dynamo.calls,
        )
          .map(([name, count]) => `${count === 1 ? '' : `${count} x `}${name}`)
          .join(' + ')}`,
      );
      // The first unwrap of each data key a container meets cannot be avoided ($everything
      // opens one per resource type); unwrapping one again is the cache failing.
      const { wraps, unwraps, dataKeys } = container.keyring;
      budgets.push({
        line: `${container.route}: at most 1 repeated keyring unwrap (KMS Decrypt of a data key it had unwrapped) per 100 requests of one container`,
        pass: (unwraps - dataKeys) / container.invocations <= 0.01,
        detail: `${unwraps} unwraps of ${dataKeys} data keys in ${container.invocations} requests`,
      });
      budgets.push({
        line: `${container.route}: at most 1 keyring wrap (KMS GenerateDataKey) per 100 requests of one container`,
        pass: wraps / container.invocations <= 0.01,
        detail: `${wraps} wraps in ${container.invocations} requests`,
      });
      if (last) {
        budgets.push({
          line: `${container.route}: peak RSS at most half the Lambda memory (${memoryMB / 2} MB)`,
          pass: last.peakRssMiB * 1.048576 <= memoryMB / 2,
          detail: `${last.peakRssMiB} MiB after ${last.invocations} invocations`,
        });
      }
      const memoryRun = memoryFunctions().includes(container.route);
      if (last && first && memoryRun) {
        const target = Math.max(...settings.memoryCheckpoints);
        const complete = last.invocations >= target;
        budgets.push({
          line: `${container.route}: RSS growth from ${settings.memoryCheckpoints[0]} to ${target} invocations at most 10%`,
          pass: !complete ? 'skip' : growth !== undefined && growth <= 10,
          detail: complete
            ? `peak ${first.peakRssMiB} -> ${last.peakRssMiB} MiB (${growth}%); retained heap ${first.retainedHeapMiB} -> ${last.retainedHeapMiB} MiB`
            : `stopped by BENCH_CONTAINER_SECONDS=${settings.containerSeconds} after ${last.invocations} invocations ` +
              `(peak ${first.peakRssMiB}@${first.invocations} -> ${last.peakRssMiB} MiB, retained heap ${first.retainedHeapMiB} -> ${last.retainedHeapMiB} MiB); ` +
              'BENCH_CONTAINER_SECONDS=0 runs them all',
        });
      }
      costs.push({
        route: container.route,
        kmsPerRequest,
        cost: costPerMillion({
          rru: container.dynamo.rru,
          wru: container.dynamo.wru,
          durationMs: container.medianMs,
          memoryMB,
          kmsCallsPerRequest: kmsPerRequest,
        }),
      });
    }
    out('');
    out(
      `Cost of one million requests, USD (${PRICES.region} on-demand list prices; Lambda arm64 ${memoryMB} MB at the measured median duration)`,
    );
    out(
      `${padEnd('route', 20)}${pad('DynamoDB', 10)}${pad('Lambda', 9)}${pad('API GW', 9)}${pad('KMS', 8)}${pad('WAF', 7)}${pad('total', 9)}`,
    );
    for (const { route, cost } of costs) {
      out(
        `${padEnd(route, 20)}${pad(cost.dynamo.toFixed(2), 10)}${pad(cost.lambda.toFixed(2), 9)}${pad(cost.apiGateway.toFixed(2), 9)}${pad(cost.kms.toFixed(2), 8)}${pad(cost.waf.toFixed(2), 7)}${pad(cost.total.toFixed(2), 9)}`,
      );
    }
  }

  out('');
  out('Budgets');
  const verdict = (budget: Budget) => (budget.pass === 'skip' ? 'SKIP' : budget.pass ? 'PASS' : 'FAIL');
  for (const budget of budgets) out(`${verdict(budget)}  ${budget.line}: ${budget.detail}`);
  for (const route of missing) out(`MISSING  ${route}: not in the route table, not measured`);
  const failed = budgets.filter((budget) => budget.pass === false);
  const skipped = budgets.filter((budget) => budget.pass === 'skip');
  out('');
  out(
    `Summary: ${budgets.length - failed.length - skipped.length} of ${budgets.length} budget lines pass` +
      `${skipped.length > 0 ? `, ${skipped.length} not judged (SKIP)` : ''}` +
      `${failed.length > 0 ? `; FAIL: ${failed.map((budget) => budget.line).join('; ')}` : ''}. Run time ${elapsed()}.`,
  );
  console.log(lines.join('\n'));

  const results = {
    machine: { ...input.host, loadAverageAtEnd: loadAverage(), loadAverageByStage: loads },
    settings,
    runSeconds: round((performance.now() - started) / 1000),
    lambdaMemoryMB: memoryMB,
    calibration,
    http,
    missingRoutes: missing,
    gatewayRss,
    functions: bundles?.bundles.map((bundle) => ({
      id: bundle.id,
      handler: bundle.handler,
      bundleKB: round(bundle.bytes / 1024),
      sourceMapKB: round(bundle.mapBytes / 1024),
      init: init?.times.find((time) => time.id === bundle.id),
    })),
    emptyProcessWallMs: init?.emptyWallMs,
    crypto,
    containers,
    prices: PRICES,
    costPerMillion: costs,
    budgets,
  };
  writeFileSync(resolve(ROOT, settings.results), `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${settings.results}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  // A broken run still exits 0: the bench reports, it does not gate.
  process.exitCode = 0;
});
