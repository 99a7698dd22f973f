import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaBundles } from '../../infra/bundle/build.ts';
import { jobs, routes } from '../../shared/routes.ts';

const ROOT = resolve(import.meta.dirname, '../..');

import { type SynthesizedApp, synthRecordsApp } from './synth.ts';

let synth: SynthesizedApp;

// The other infra tests skip bundling (aws:cdk:bundling-stacks = []); this one really runs esbuild.
beforeAll(() => {
  synth = synthRecordsApp({
    bundle: true,
    routes: [
      ['health', routes.health],
      ['readPatient', routes.readPatient],
    ],
  });
});
afterAll(() => synth?.cleanup());

/** The directory of a route function's code asset in the cloud assembly. */
function assetDir(routeId: string): string {
  const fn = synth.api.routeFunctions.get(routeId);
  const resource =
    synth.apiTemplate.Resources[synth.api.getLogicalId(fn?.function.node.defaultChild as CfnElement)];
  // The asset's S3 key is `<hash>.zip`; the assembly keeps the bundle in `asset.<hash>/`.
  const code = JSON.stringify(resource?.Properties?.Code);
  const hash = /"S3Key":"([0-9a-f]{64})\.zip"/.exec(code)?.[1];
  expect(hash, code).toBeDefined();
  return join(synth.assemblyDir, `asset.${hash}`);
}

/** Every module specifier an ES module bundle imports (static, dynamic, or through the require shim). */
const importsOf = (bundle: string): string[] =>
  [...bundle.matchAll(/(?:\bfrom|\bimport\(|\brequire\()\s*["']([^"']+)["']/g)].map(
    (match) => match[1] ?? '',
  );

describe('function bundling', () => {
  it('bundles a handler with esbuild into a minified ESM file with a source map and a require shim', () => {
    const dir = assetDir('health');
    expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
    const bundle = readFileSync(join(dir, 'index.mjs'), 'utf8');
    expect(
      bundle.startsWith(
        "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*\bhandler\b/);
    expect(bundle).toContain('sourceMappingURL=index.mjs.map');
    // Minified: a few long lines.
    expect(bundle.split('\n').length).toBeLessThan(200);
  });

  it('bundles the AWS SDK with the bundle-time replacements, so a function imports only Node built-ins', () => {
    const bundle = readFileSync(join(assetDir('readPatient'), 'index.mjs'), 'utf8');
    const imports = importsOf(bundle);
    expect(imports).toContain('node:stream');
    expect(imports.filter((specifier) => !isBuiltin(specifier))).toEqual([]);
    // infra/bundle/options.ts: the Lambda credential chain instead of the SDK's default one,
    // and asn1.js replaced (the Encryption SDK's DynamoDB and KMS clients are inside).
    expect(bundle).not.toContain('Skipping SSO provider in default chain');
    expect(bundle).toContain('ECDSA-signed Encryption SDK messages are not supported');
    expect(bundle).toContain('GenerateDataKey');
    expect(bundle).toContain('TransactWriteItems');
  });

  it('builds the same file as infra/bundle/build.ts, which the benchmarks and the bundle tests use', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhir-records-same-bundle-'));
    try {
      const [bundle] = await buildLambdaBundles(
        ROOT,
        [{ id: 'readPatient', handler: routes.readPatient.handler, access: routes.readPatient.access }],
        dir,
      );
      expect(readFileSync(bundle?.file ?? '', 'utf8')).toBe(
        readFileSync(join(assetDir('readPatient'), 'index.mjs'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bundles the SMART functions into self-contained files of at most 500 KB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhir-records-smart-bundles-'));
    try {
      const entries = [
        'authorizer',
        'token',
        'introspect',
        'revoke',
        'configuration',
        'authorize',
        'pre-token',
      ].map((name) => ({
        id: name,
        handler: `functions/smart/${name}.ts`,
        access: {},
      }));
      const bundles = await buildLambdaBundles(ROOT, entries, dir);
      expect(bundles).toHaveLength(entries.length);
      for (const bundle of bundles) {
        expect(bundle.bytes, bundle.id).toBeLessThanOrEqual(500 * 1024);
        expect(
          bundle.imports.filter((specifier) => !isBuiltin(specifier)),
          bundle.id,
        ).toEqual([]);
      }
      // The token function signs through KMS and remembers jtis in DynamoDB; the authorizer only reads the key.
      const text = (id: string) =>
        readFileSync(bundles.find((bundle) => bundle.id === id)?.file ?? '', 'utf8');
      expect(text('token')).toContain('RSASSA_PKCS1_V1_5_SHA_384');
      expect(text('authorizer')).not.toContain('PutItem');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bundles every job function into a self-contained file of at most 500 KB', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fhir-records-job-bundles-'));
    try {
      const entries = Object.entries(jobs).map(([id, def]) => ({ id, handler: def.handler, access: {} }));
      const bundles = await buildLambdaBundles(ROOT, entries, dir);
      expect(bundles.map((bundle) => bundle.id).sort()).toEqual(Object.keys(jobs).sort());
      for (const bundle of bundles) {
        expect(bundle.bytes, bundle.id).toBeLessThanOrEqual(500 * 1024);
        expect(
          bundle.imports.filter((specifier) => !isBuiltin(specifier)),
          bundle.id,
        ).toEqual([]);
      }
      // The stream consumer sends PutObject with If-None-Match (write-once) and nothing else of S3.
      const archive = readFileSync(
        bundles.find((bundle) => bundle.id === 'archiveAuditLog')?.file ?? '',
        'utf8',
      );
      expect(archive).toContain('If-None-Match');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
