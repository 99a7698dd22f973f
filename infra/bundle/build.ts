import { statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { RouteAccess } from '../../shared/routes.ts';
import { CJS_REQUIRE_BANNER, LAMBDA_TARGET, lambdaAliases } from './options.ts';

export interface LambdaEntry {
  id: string;
  /** Handler module, relative to the project root. */
  handler: string;
  access: Pick<RouteAccess, 'invokeRoutes'>;
}

export interface LambdaBundle extends LambdaEntry {
  /** `<outdir>/<id>/index.mjs`, as the CDK names a function's bundle. */
  file: string;
  bytes: number;
  mapBytes: number;
  /** What the bundle still imports at run time (esbuild's metafile): Node built-ins only. */
  imports: string[];
}

/**
 * Bundles functions exactly as infra/route-function.ts has the CDK bundle them
 * (NodejsFunction runs esbuild with these settings), outside the CDK: for the benchmarks and
 * for the tests that run the deployed code. One esbuild run per set of aliases, an entry
 * point per function, no code splitting: each output is what a single-entry run would give.
 */
export async function buildLambdaBundles(
  projectRoot: string,
  entries: readonly LambdaEntry[],
  outdir: string,
): Promise<LambdaBundle[]> {
  const imports = new Map<string, string[]>();
  const groups = new Map<string, LambdaEntry[]>();
  for (const entry of entries) {
    const key = JSON.stringify(lambdaAliases(projectRoot, entry.access));
    groups.set(key, [...(groups.get(key) ?? []), entry]);
  }
  for (const [aliases, group] of groups) {
    const { metafile } = await build({
      absWorkingDir: projectRoot,
      entryPoints: group.map(({ id, handler }) => ({ in: join(projectRoot, handler), out: `${id}/index` })),
      outdir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      target: LAMBDA_TARGET,
      platform: 'node',
      format: 'esm',
      minify: true,
      sourcemap: true,
      sourcesContent: false,
      alias: JSON.parse(aliases) as Record<string, string>,
      banner: { js: CJS_REQUIRE_BANNER },
      mainFields: ['module', 'main'],
      logLevel: 'error',
      metafile: true,
    });
    for (const [file, output] of Object.entries(metafile.outputs)) {
      imports.set(resolve(projectRoot, file), [...new Set(output.imports.map((entry) => entry.path))]);
    }
  }
  return entries.map((entry) => {
    const file = join(outdir, entry.id, 'index.mjs');
    return {
      ...entry,
      file,
      bytes: statSync(file).size,
      mapBytes: statSync(`${file}.map`).size,
      imports: imports.get(file) ?? [],
    };
  });
}
