import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLambdaBundles, type LambdaBundle, type LambdaEntry } from '../infra/bundle/build.ts';
import { jobs, routeEntries } from '../shared/routes.ts';
import { ROOT } from './settings.ts';
import { median, round } from './stats.ts';

/**
 * Each function bundled as infra/route-function.ts has the CDK bundle it (NodejsFunction:
 * esbuild --bundle --target=node24 --platform=node --format=esm --minify --sourcemap
 * --sources-content=false --banner:js=<require shim> --main-fields=module,main and the
 * aliases of infra/bundle/options.ts, the AWS SDK included, into index.mjs), and its cold
 * module init timed in fresh node processes with the stack's environment.
 */

export type FunctionBundle = LambdaBundle;

export interface BundleSet {
  dir: string;
  bundles: FunctionBundle[];
  remove(): void;
}

/**
 * Every function of the route table and the jobs, bundled as the CDK bundles it. Bundles land
 * outside the repository (Biome would lint them), with no node_modules in reach: a bundle
 * that still imported a package would fail to load, as it would on Lambda.
 */
export async function bundleFunctions(): Promise<BundleSet> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-records-bundles-'));
  const entries: LambdaEntry[] = [
    ...routeEntries().map(([id, def]) => ({ id, handler: def.handler, access: def.access })),
    ...Object.entries(jobs).map(([id, def]) => ({ id, handler: def.handler, access: def.access })),
  ];
  const bundles = await buildLambdaBundles(ROOT, entries, dir);
  return { dir, bundles, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** What the stack sets (infra/api-stack.ts), with placeholder values: config() parses it lazily, on first use. */
const LAMBDA_ENV = {
  STAGE: 'bench',
  AWS_REGION: 'us-east-1',
  RECORDS_TABLE: 'records',
  AUDIT_TABLE: 'audit',
  KEY_SOURCE: 'kms',
  DATA_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/data',
  INDEX_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/index',
  SIGNING_KEY_ARN: 'arn:aws:kms:us-east-1:000000000000:key/signing',
  CORS_ORIGINS: 'https://portal.example.com',
};

export interface InitTime {
  id: string;
  /** Median CPU time of the bundle's import in a fresh process: what it costs, whatever the load. */
  initCpuMs: number;
  /** Median wall time of a node process importing the bundle, minus that of an empty node process. */
  initWallMs: number;
  /** Median wall time of the dynamic import itself, measured inside the process. */
  importWallMs: number;
  runs: number;
}

interface Sample {
  wallMs: number;
  importWallMs: number;
  importCpuMs: number;
}

/**
 * The probe loads node:http before the clock starts, in the empty process too: Lambda's
 * runtime interface client has loaded it (it speaks HTTP to the Runtime API) by the time it
 * imports a handler, so its ~60 ms are not the function's.
 */
const PROBE = (url: string | undefined) =>
  url
    ? `await import('node:http'); const c = process.cpuUsage(); const t = performance.now();
       await import(${JSON.stringify(url)});
       const w = performance.now() - t; const u = process.cpuUsage(c);
       process.stdout.write(JSON.stringify([w, (u.user + u.system) / 1000]));`
    : "await import('node:http'); process.stdout.write(JSON.stringify([0, 0]));";

function timeProcess(file: string | undefined): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', PROBE(file ? pathToFileURL(file).href : undefined)],
      { env: { PATH: process.env.PATH ?? '', ...LAMBDA_ENV }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      const wallMs = performance.now() - started;
      const parsed: unknown = code === 0 ? JSON.parse(out) : undefined;
      if (!Array.isArray(parsed) || typeof parsed[0] !== 'number' || typeof parsed[1] !== 'number') {
        reject(new Error(`importing ${file ?? 'nothing'} failed (${code}): ${err.slice(0, 2000)}`));
        return;
      }
      resolve({ wallMs, importWallMs: parsed[0], importCpuMs: parsed[1] });
    });
  });
}

/**
 * Rounds interleave every bundle with empty processes, so a burst of load from elsewhere
 * hits all of them alike; medians then drop the bursts. `parallel` processes run at once
 * (CPU time does not depend on it; wall time does, which is why it is reported beside).
 */
export async function measureInit(
  bundles: readonly FunctionBundle[],
  runs: number,
  parallel: number,
): Promise<{ emptyWallMs: number; times: InitTime[] }> {
  const jobs: (FunctionBundle | undefined)[] = [];
  for (let round = 0; round < runs; round++) {
    const shift = round % Math.max(1, bundles.length);
    const order = [...bundles.slice(shift), ...bundles.slice(0, shift)];
    // An empty process every few bundles: the baseline sees the same load as they do.
    order.forEach((bundle, index) => {
      if (index % 4 === 0) jobs.push(undefined);
      jobs.push(bundle);
    });
  }
  const samples = new Map<string, Sample[]>();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const bundle = jobs[next++];
      const sample = await timeProcess(bundle?.file);
      const key = bundle?.id ?? '';
      samples.set(key, [...(samples.get(key) ?? []), sample]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, parallel) }, worker));
  const of = (key: string, pick: (sample: Sample) => number) => median((samples.get(key) ?? []).map(pick));
  const emptyWallMs = of('', (sample) => sample.wallMs);
  return {
    emptyWallMs: round(emptyWallMs),
    times: bundles.map((bundle) => ({
      id: bundle.id,
      initCpuMs: round(of(bundle.id, (sample) => sample.importCpuMs)),
      initWallMs: round(of(bundle.id, (sample) => sample.wallMs) - emptyWallMs),
      importWallMs: round(of(bundle.id, (sample) => sample.importWallMs)),
      runs,
    })),
  };
}
