/**
 * One warm Lambda container, in its own process: the route's handler (source, as the
 * local gateway runs it) invoked directly and sequentially with API Gateway events, over the
 * run's DynamoDB Local. Reports peak RSS at checkpoints, handler durations, the keyring
 * (KMS) and KMS HMAC calls, and the DynamoDB calls and request units per invocation.
 *
 * `node bench/container.ts <input.json>`; the parent (bench/run.ts) writes the input and
 * reads the result file it names.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { setDynamo } from '../shared/base/dynamo.ts';
import { createKmsBlindIndexer } from '../shared/crypto/blind-index.ts';
import { readLocalKeyMaterial } from '../shared/crypto/local-keys.ts';
import { dataKeyring, setCrypto } from '../shared/crypto/runtime.ts';
import { routeEntries } from '../shared/routes.ts';
import { apiEvent, claimsOf, lambdaContext } from './event.ts';
import { countingKms } from './fake-kms.ts';
import { emptyRecord, type Recorded, recordingClient } from './recorder.ts';
import { ROOT } from './settings.ts';
import { median, round } from './stats.ts';
import { type ClientState, workloads } from './workloads.ts';

export const ContainerInput = z.object({
  route: z.string(),
  checkpoints: z.array(z.number()),
  memoryMB: z.number(),
  endpoint: z.string(),
  keyDir: z.string(),
  resultFile: z.string(),
  /** The function's bundle (memory as deployed); without it, the source handler (and its calls are counted). */
  bundle: z.optional(z.string()),
  /** Epoch ms after which the container stops at its next invocation (0: none); the last checkpoint is then taken early. */
  deadline: z.number(),
  /** Invocations in flight at once (1 unless the bench asks for more to reach its checkpoints in time). */
  concurrency: z._default(z.number(), 1),
  fixture: z.object({
    patientIds: z.array(z.string()),
    searchPatientId: z.string(),
    practitionerId: z.string(),
    bookingPatientId: z.string(),
    bookingBase: z.number(),
    bookingStepMs: z.number(),
    observationIds: z.array(z.string()),
    vitalSignsPatientId: z.string(),
    historyPatientId: z.string(),
  }),
});
export type ContainerInput = z.infer<typeof ContainerInput>;

export interface Checkpoint {
  invocations: number;
  /** Peak resident set size of the process so far (what Lambda reports as Max Memory Used). */
  peakRssMiB: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** Heap still in use after a full collection (what is retained: a leak shows here first). */
  retainedHeapMiB: number;
  /** Median handler duration of the invocations since the previous checkpoint. */
  medianMs: number;
}

export interface ContainerResult {
  route: string;
  /** Invocations made (fewer than the last checkpoint when the deadline stopped it). */
  invocations: number;
  checkpoints: Checkpoint[];
  failures: number;
  statuses: Record<string, number>;
  /** Keyring calls, and the distinct data keys it unwrapped (each one an unavoidable unwrap). */
  keyring: { wraps: number; unwraps: number; dataKeys: number };
  kmsHmacCalls: Record<string, number>;
  /** Per invocation, averaged over all invocations after the first. */
  dynamo: { calls: Record<string, number>; rru: number; wru: number };
  medianMs: number;
}

type Handler = (event: APIGatewayProxyEvent, context: Context) => Promise<unknown>;

const MiB = 2 ** 20;
/** Invocations made one at a time before any concurrency: the cost runs' length. */
const SINGLE_FLIGHT = 300;

/** Lambda runs node with --expose-gc; a full collection between invocations costs the measure nothing. */
function retainedHeapMiB(): number {
  const gc: unknown = Reflect.get(globalThis, 'gc');
  if (typeof gc === 'function') gc();
  return round(process.memoryUsage().heapUsed / MiB);
}

async function main(): Promise<void> {
  const inputFile = process.argv[2];
  if (!inputFile) throw new Error('usage: node bench/container.ts <input.json>');
  const input = ContainerInput.parse(JSON.parse(readFileSync(inputFile, 'utf8')));
  const route = routeEntries().find(([id]) => id === input.route)?.[1];
  if (!route) throw new Error(`no route ${input.route}`);
  const workload = workloads(input.fixture).find((candidate) => candidate.route === input.route);
  if (!workload) throw new Error(`no workload for ${input.route}`);

  // DynamoDB units are counted from the second invocation on; keyring and KMS calls from the first.
  let recording: Recorded = emptyRecord();
  setDynamo(recordingClient(input.endpoint, 'us-east-1', () => recording));
  const kms = countingKms(readLocalKeyMaterial(input.keyDir).indexKey);
  setCrypto({
    indexer: createKmsBlindIndexer({
      keyArn: 'arn:aws:kms:us-east-1:000000000000:key/bench-index',
      kmsClient: kms.client,
    }),
  });

  const module: unknown = await import(pathToFileURL(input.bundle ?? join(ROOT, route.handler)).href);
  if (
    typeof module !== 'object' ||
    module === null ||
    !('handler' in module) ||
    typeof module.handler !== 'function'
  ) {
    throw new Error(`${route.handler} exports no handler`);
  }
  const exported = module.handler;
  const handler: Handler = (event, context) => Promise.resolve(exported(event, context));
  const claims = claimsOf(workload.principal);

  let total = Math.max(...input.checkpoints);
  const checkpoints: Checkpoint[] = [];
  const statuses = new Map<number, number>();
  const all: number[] = [];
  let window: number[] = [];
  let failures = 0;
  let started = 0;
  let completed = 0;
  let stopped = false;
  const invokeNext = async (state: ClientState): Promise<boolean> => {
    if (stopped || started >= total) return false;
    started += 1;
    if (started === 2) recording = emptyRecord();
    const call = workload.next(state);
    const begun = performance.now();
    const result = await handler(apiEvent(call, claims), lambdaContext(input.route, input.memoryMB));
    const elapsed = performance.now() - begun;
    completed += 1;
    window.push(elapsed);
    all.push(elapsed);
    const status =
      typeof result === 'object' &&
      result !== null &&
      'statusCode' in result &&
      typeof result.statusCode === 'number'
        ? result.statusCode
        : 0;
    const body = typeof result === 'object' && result !== null && 'body' in result ? String(result.body) : '';
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status !== workload.status) failures += 1;
    workload.onResponse?.(state, status, body);
    const stopping = input.deadline > 0 && Date.now() > input.deadline && completed < total && completed >= 2;
    if (stopping) {
      stopped = true;
      total = completed;
    }
    if (input.checkpoints.includes(completed) || stopping) {
      const memory = process.memoryUsage();
      checkpoints.push({
        invocations: completed,
        peakRssMiB: round((process.resourceUsage().maxRSS * 1024) / MiB),
        rssMiB: round(memory.rss / MiB),
        heapUsedMiB: round(memory.heapUsed / MiB),
        retainedHeapMiB: retainedHeapMiB(),
        medianMs: round(median(window), 2),
      });
      window = [];
    }
    return true;
  };
  // One invocation at a time, as Lambda runs a container: the handler duration (the cost
  // model's) is the median of these. After SINGLE_FLIGHT of them, `concurrency` above 1 keeps
  // that many in flight (as Lambda Managed Instances do), which can only raise the peak.
  const first: ClientState = {};
  while (completed < SINGLE_FLIGHT && (await invokeNext(first))) {
    // next invocation
  }
  const singleFlight = all.slice(1);
  await Promise.all(
    Array.from({ length: Math.max(1, input.concurrency) }, async (_, client) => {
      // Each invocation in flight is its own client (an update client keeps its own patient).
      const state: ClientState = client === 0 ? first : {};
      while (await invokeNext(state)) {
        // next invocation
      }
    }),
  );
  total = completed;
  const counted = Math.max(1, total - 1);
  const result: ContainerResult = {
    route: input.route,
    invocations: total,
    checkpoints,
    failures,
    statuses: Object.fromEntries([...statuses].map(([status, count]) => [String(status), count])),
    keyring: { ...dataKeyring().stats(), dataKeys: dataKeyring().dataKeysUnwrapped() },
    kmsHmacCalls: Object.fromEntries(kms.calls),
    dynamo: {
      calls: Object.fromEntries(
        [...recording.calls].map(([name, count]) => [name, round(count / counted, 3)]),
      ),
      rru: round(recording.rru / counted, 3),
      wru: round(recording.wru / counted, 3),
    },
    medianMs: round(median(singleFlight), 2),
  };
  writeFileSync(input.resultFile, JSON.stringify(result));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
