/**
 * `npm run bench:structure`: what the validator generated from the R4 definitions costs. The
 * bytes and cold init of the structure module (the interpreter with Observation's structure,
 * bundled as the CDK bundles a function, against zod/mini alone), the Observation functions'
 * bundles and init, and the time of one validation of each example resource, cold (first
 * call: the structures' lookups are built on first use) and warm. Prints the figures and
 * writes bench/results-structure.json. Not a test: budgets are read in bench/run.ts.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { buildLambdaBundles, type LambdaBundle } from '../infra/bundle/build.ts';
import { LAMBDA_TARGET } from '../infra/bundle/options.ts';
import * as examples from '../shared/fhir/clinical-examples.ts';
import { AllergyIntoleranceStructure } from '../shared/fhir/r4/allergy-intolerance.generated.ts';
import { CareTeamStructure } from '../shared/fhir/r4/care-team.generated.ts';
import { ConditionStructure } from '../shared/fhir/r4/condition.generated.ts';
import { DocumentReferenceStructure } from '../shared/fhir/r4/document-reference.generated.ts';
import { EncounterStructure } from '../shared/fhir/r4/encounter.generated.ts';
import { ImmunizationStructure } from '../shared/fhir/r4/immunization.generated.ts';
import { MedicationRequestStructure } from '../shared/fhir/r4/medication-request.generated.ts';
import { ObservationStructure } from '../shared/fhir/r4/observation.generated.ts';
import { ProcedureStructure } from '../shared/fhir/r4/procedure.generated.ts';
import { type Structure, structureSchema } from '../shared/fhir/structure.ts';
import { routeEntries } from '../shared/routes.ts';
import { measureInit } from './bundle.ts';
import { loadAverage, machine, ROOT, settings } from './settings.ts';
import { median, round } from './stats.ts';

const WARM_ITERATIONS = 20_000;
const BATCHES = 5;

/** A module that only loads its imports, bundled minified for Node 24 as a function is. */
async function bundleModule(dir: string, id: string, source: string): Promise<LambdaBundle> {
  const file = join(dir, id, 'index.mjs');
  await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'ts' },
    outfile: file,
    bundle: true,
    target: LAMBDA_TARGET,
    platform: 'node',
    format: 'esm',
    minify: true,
    logLevel: 'error',
  });
  return {
    id,
    handler: '',
    access: {},
    file,
    bytes: statSync(file).size,
    mapBytes: 0,
    imports: [],
  };
}

const STRUCTURES: Record<string, Structure> = {
  Encounter: EncounterStructure,
  Observation: ObservationStructure,
  Condition: ConditionStructure,
  AllergyIntolerance: AllergyIntoleranceStructure,
  MedicationRequest: MedicationRequestStructure,
  Procedure: ProcedureStructure,
  Immunization: ImmunizationStructure,
  DocumentReference: DocumentReferenceStructure,
  CareTeam: CareTeamStructure,
};

interface ValidationCost {
  example: string;
  resourceType: string;
  bytes: number;
  /** The first safeParse in this process (the structures' lookups are built then), µs. */
  firstUs: number;
  /** Median µs per safeParse over batches of warm calls: wall time, and CPU time (robust to a loaded machine). */
  warmUs: number;
  warmCpuUs: number;
}

/** Each example through its type's structureSchema, as the body parsing calls it. */
function measureValidation(): ValidationCost[] {
  const refs = { patient: 'bench-patient', practitioner: 'bench-practitioner', encounter: 'bench-encounter' };
  const costs: ValidationCost[] = [];
  for (const [name, example] of Object.entries(examples)) {
    if (typeof example !== 'function') continue;
    const resource: unknown = example(refs, '2026-11-25T10:00:00Z');
    const resourceType = String(Reflect.get(Object(resource), 'resourceType'));
    const structure = STRUCTURES[resourceType];
    if (!structure) continue;
    const schema = structureSchema(structure);
    const first = performance.now();
    if (!schema.safeParse(resource).success) throw new Error(`${name} is not valid`);
    const firstUs = (performance.now() - first) * 1000;
    const batches: number[] = [];
    const cpuBatches: number[] = [];
    for (let batch = 0; batch < BATCHES; batch++) {
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let index = 0; index < WARM_ITERATIONS; index++) schema.safeParse(resource);
      batches.push(((performance.now() - started) * 1000) / WARM_ITERATIONS);
      const used = process.cpuUsage(cpu);
      cpuBatches.push((used.user + used.system) / WARM_ITERATIONS);
    }
    costs.push({
      example: name,
      resourceType,
      bytes: JSON.stringify(resource).length,
      firstUs: round(firstUs),
      warmUs: round(median(batches)),
      warmCpuUs: round(median(cpuBatches)),
    });
  }
  return costs;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-records-structure-'));
  try {
    const zodOnly = await bundleModule(
      dir,
      'zod-mini',
      `import * as z from 'zod/mini'; export const schema = z.looseObject({ resourceType: z.literal('Observation') });`,
    );
    const withStructure = await bundleModule(
      dir,
      'structure-observation',
      `import { structureSchema } from './shared/fhir/structure.ts';
       import { ObservationStructure } from './shared/fhir/r4/observation.generated.ts';
       export const schema = structureSchema(ObservationStructure);`,
    );
    const functions = await buildLambdaBundles(
      ROOT,
      routeEntries()
        .filter(([id]) => id === 'createObservation' || id === 'readObservation')
        .map(([id, def]) => ({ id, handler: def.handler, access: def.access })),
      dir,
    );
    const runs = Math.max(settings.initRuns, 9);
    const init = await measureInit([zodOnly, withStructure, ...functions], runs, 1);
    const timeOf = (id: string) => init.times.find((time) => time.id === id);
    const validation = measureValidation();

    const kb = (bytes: number) => round(bytes / 1024);
    const structureKb = kb(withStructure.bytes - zodOnly.bytes);
    const structureInitMs = round(
      (timeOf(withStructure.id)?.importWallMs ?? 0) - (timeOf(zodOnly.id)?.importWallMs ?? 0),
    );
    console.log(`Structure module (interpreter + Observation + the datatypes it reaches), minified:`);
    console.log(
      `  ${structureKb} KB over zod/mini alone (${kb(withStructure.bytes)} KB vs ${kb(zodOnly.bytes)} KB)`,
    );
    console.log(
      `  import ${timeOf(withStructure.id)?.importWallMs} ms vs ${timeOf(zodOnly.id)?.importWallMs} ms: ` +
        `${structureInitMs} ms of init (median of ${runs} fresh processes)`,
    );
    console.log('Functions:');
    for (const bundle of functions) {
      const time = timeOf(bundle.id);
      console.log(
        `  ${bundle.id.padEnd(20)} ${String(kb(bundle.bytes)).padStart(7)} KB  init ${time?.initWallMs} ms, ${time?.initCpuMs} ms CPU`,
      );
    }
    console.log(`Load average ${loadAverage().join(' ')} on ${machine().cores} cores`);
    console.log(
      `Validation (structureSchema.safeParse, µs; warm: median of ${BATCHES} x ${WARM_ITERATIONS})`,
    );
    for (const cost of validation) {
      console.log(
        `  ${cost.example.padEnd(20)} ${cost.resourceType.padEnd(20)} ${String(cost.bytes).padStart(5)} B  first ${String(cost.firstUs).padStart(7)}  warm ${String(cost.warmUs).padStart(6)} (${cost.warmCpuUs} CPU)`,
      );
    }
    writeFileSync(
      join(ROOT, 'bench/results-structure.json'),
      `${JSON.stringify(
        {
          measuredAt: new Date().toISOString(),
          node: process.version,
          host: machine(),
          structureModule: {
            bytes: withStructure.bytes,
            zodMiniBytes: zodOnly.bytes,
            overZodMiniKb: structureKb,
            importWallMs: timeOf(withStructure.id)?.importWallMs,
            zodMiniImportWallMs: timeOf(zodOnly.id)?.importWallMs,
            initMs: structureInitMs,
          },
          functions: functions.map((bundle) => ({
            id: bundle.id,
            kb: kb(bundle.bytes),
            ...timeOf(bundle.id),
          })),
          validation,
        },
        null,
        2,
      )}\n`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
