import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../shared/routes.ts';
import { type SynthesizedApp, synthRecordsApp } from './synth.ts';

let synth: SynthesizedApp;

// The other infra tests skip bundling (aws:cdk:bundling-stacks = []); this one really runs esbuild.
beforeAll(() => {
  synth = synthRecordsApp({ bundle: true, routes: [['health', routes.health]] });
});
afterAll(() => synth?.cleanup());

describe('function bundling', () => {
  it('bundles a handler with esbuild into a minified ESM file with a source map and a require shim', () => {
    const fn = synth.api.routeFunctions.get('health');
    const resource =
      synth.apiTemplate.Resources[synth.api.getLogicalId(fn?.function.node.defaultChild as CfnElement)];
    // The asset's S3 key is `<hash>.zip`; the assembly keeps the bundle in `asset.<hash>/`.
    const code = JSON.stringify(resource?.Properties?.Code);
    const hash = /"S3Key":"([0-9a-f]{64})\.zip"/.exec(code)?.[1];
    expect(hash, code).toBeDefined();
    const dir = join(synth.assemblyDir, `asset.${hash}`);
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(
      bundle.startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
    expect(bundle).toContain('sourceMappingURL=index.mjs.map');
    // Minified (a few long lines), and the SDK stays outside the bundle.
    expect(bundle.split('\n').length).toBeLessThan(200);
    expect(bundle).not.toMatch(/node_modules\/@aws-sdk\/client-/);
  });
});
