import { cpus, freemem, loadavg, totalmem } from 'node:os';
import { resolve } from 'node:path';

/** The repository root, the bench's working directory. */
export const ROOT = resolve(import.meta.dirname, '..');

const int = (name: string, fallback: number): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a whole number, not ${raw}`);
  return value;
};

const list = (name: string, fallback: readonly string[]): string[] => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return [...fallback];
  return raw
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
};

/**
 * Iteration counts, all overridable by environment variables so a quick run
 * (`BENCH_SEQUENTIAL=30 BENCH_SECONDS=2 npm run bench`) and a thorough one use the same code.
 */
/** Clients a container may run at once: the seed gives each update client a patient of its own. */
export const CONTAINER_CLIENTS = 16;

export const settings = {
  /** Sequential requests per route family, each followed by its bare-DynamoDB floor. */
  sequential: int('BENCH_SEQUENTIAL', 100),
  /** autocannon duration per route family, seconds. */
  seconds: int('BENCH_SECONDS', 4),
  /** autocannon connections (fixed concurrency). */
  connections: int('BENCH_CONNECTIONS', 8),
  /** Fresh node processes per bundle for the init time. */
  initRuns: int('BENCH_INIT_RUNS', 5),
  /** Warm invocations at which one container's peak RSS is read; the last is the total. */
  memoryCheckpoints: list('BENCH_MEMORY_CHECKPOINTS', ['1000', '10000']).map(Number),
  /**
   * Functions run to the last checkpoint (memory growth). DynamoDB Local serves ~100 reads
   * or ~30 registrations a second here, so the default run takes the read path only;
   * `npm run bench:memory` takes every measured route family to 10,000 (~20 minutes).
   * The other route families run 300 invocations (peak RSS, keyring and KMS calls, cost).
   */
  memoryFunctions: list('BENCH_MEMORY_FUNCTIONS', ['readPatient']),
  /** Wall-clock limit of each memory container (0: none); a stopped one reports the invocations it made. */
  containerSeconds: int('BENCH_CONTAINER_SECONDS', 150),
  /** How many of those containers run at the same time. */
  memoryParallel: int('BENCH_MEMORY_PARALLEL', 2),
  /** Invocations in flight in each memory container (the cost containers run one at a time). */
  memoryConcurrency: Math.min(CONTAINER_CLIENTS, int('BENCH_MEMORY_CONCURRENCY', 8)),
  /** Stages to run (all by default): bundle, init, http, containers, crypto. */
  only: list('BENCH_ONLY', ['bundle', 'init', 'http', 'containers', 'crypto']),
  /** Route families the gateway runs drive (all measured ones by default), e.g. searchObservation. */
  routes: list('BENCH_ROUTES', []),
  keep: process.env.BENCH_KEEP === '1',
  /** Where the results go, relative to the repository root. */
  results: process.env.BENCH_RESULTS ?? 'bench/results.json',
};

export interface Machine {
  date: string;
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  freeMemoryGiB: number;
  node: string;
  platform: string;
  loadAverage: [number, number, number];
}

export const loadAverage = (): [number, number, number] => {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  return [one, five, fifteen].map((value) => Math.round(value * 100) / 100) as [number, number, number];
};

export function machine(): Machine {
  const cpu = cpus();
  return {
    date: new Date().toISOString(),
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    freeMemoryGiB: Math.round((freemem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadAverage(),
  };
}
