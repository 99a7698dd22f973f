import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildLambdaBundles } from '../../infra/bundle/build.ts';
import { ROOT } from './gateway.ts';

/**
 * Project modules bundled as a Lambda function bundles them (infra/bundle: the AWS SDK
 * inside, the bundle-time replacements applied) and imported: a test runs the same cases
 * against the code that is deployed. `exports` maps a module (relative to the repository)
 * to the names re-exported from it.
 */
export async function importBundled(
  exports: Record<string, readonly string[]>,
): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'fhir-records-bundled-'));
  try {
    const entry = join(dir, 'entry.ts');
    writeFileSync(
      entry,
      Object.entries(exports)
        .map(
          ([module, names]) => `export { ${names.join(', ')} } from ${JSON.stringify(join(ROOT, module))};`,
        )
        .join('\n'),
    );
    const [bundle] = await buildLambdaBundles(
      ROOT,
      [{ id: 'bundled', handler: relative(ROOT, entry), access: {} }],
      join(dir, 'out'),
    );
    if (!bundle) throw new Error('nothing was bundled');
    const module: unknown = await import(pathToFileURL(bundle.file).href);
    if (typeof module !== 'object' || module === null) throw new Error('the bundle is no module');
    return Object.fromEntries(Object.entries(module));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
