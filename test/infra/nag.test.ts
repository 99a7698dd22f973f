import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { routeEntries } from '../../shared/routes.ts';
import { type SynthesizedApp, synthRecordsApp, unacknowledgedFindings } from './synth.ts';

let synth: SynthesizedApp;

beforeAll(() => {
  synth = synthRecordsApp({ cloudFormationValidation: true });
});
afterAll(() => synth?.cleanup());

/** Every acknowledgement recorded with Validations.of(construct).acknowledge(...). */
function acknowledgements(app: App): { path: string; id: string; reason: string }[] {
  const found: { path: string; id: string; reason: string }[] = [];
  for (const construct of app.node.findAll()) {
    for (const entry of construct.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [id, reason] of Object.entries(z.record(z.string(), z.string()).parse(entry.data))) {
        found.push({ path: construct.node.path, id: id.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return found;
}

describe('cdk-nag', () => {
  it('finds no unacknowledged HIPAA Security, AWS Solutions or CloudFormation schema finding in either stack', () => {
    // cdk-nag 3 is a policy validation plugin: it drops acknowledged findings itself and
    // reports the rest in the assembly's validation-report.json.
    expect(unacknowledgedFindings(synth.report)).toEqual([]);
  });

  it('is live: the same packs report an unencrypted, non-TLS queue', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'fhir-records-nag-canary-'));
    try {
      const app = new App({ outdir, context: { '@aws-cdk/core:failSynthOnValidationErrors': false } });
      new Queue(new Stack(app, 'Canary', { env: { region: 'eu-west-1' } }), 'Queue');
      Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new AwsSolutionsChecks(app));
      const assembly = app.synth();
      const report = readFileSync(join(assembly.directory, 'validation-report.json'), 'utf8');
      expect(report).toContain('AwsSolutions-SQS4');
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('acknowledges only on resources, never on an app or a stack, each with one rule and a real reason', () => {
    const all = acknowledgements(synth.app);
    expect(all.length).toBeGreaterThan(0);
    for (const { path, id, reason } of all) {
      expect(path.split('/').length, `${id} acknowledged at ${path}`).toBeGreaterThan(1);
      expect(id).toMatch(/^(AwsSolutions|HIPAA\.Security)-[A-Za-z0-9]+(\[[^\]]+\])?$/);
      expect(reason.length, `${id} at ${path}`).toBeGreaterThanOrEqual(60);
    }
  });

  it('acknowledges IAM wildcards only for the X-Ray Resource * finding and the archive’s and Binary bucket’s object keys', () => {
    const wildcards = acknowledgements(synth.app).filter(({ id }) => id.startsWith('AwsSolutions-IAM5'));
    const archive = synth.data.getLogicalId(synth.data.auditChain.archive.node.defaultChild as CfnElement);
    // The Binary bucket's object keys too, once a route of the table declares `binaries`.
    const binaries = routeEntries().some(([, def]) => def.access.binaries)
      ? ['AwsSolutions-IAM5[Resource::FhirRecords-test-BinaryBucketArn/*]']
      : [];
    expect(new Set(wildcards.map(({ id }) => id))).toEqual(
      new Set([
        'AwsSolutions-IAM5[Resource::*]',
        `AwsSolutions-IAM5[Resource::<${archive}.Arn>/*]`,
        ...binaries,
      ]),
    );
  });
});
