import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs, routes } from '../../shared/routes.ts';
import { resourcesOfType, type SynthesizedApp, synthRecordsApp, unacknowledgedFindings } from './synth.ts';

const jobEntries = Object.entries(jobs);
const scheduled = jobEntries.filter(([, def]) => def.access.auditLog !== 'stream');
const streaming = jobEntries.filter(([, def]) => def.access.auditLog === 'stream');
let synth: SynthesizedApp;

// The jobs of the route table, with a single route beside them: a small app, quick to synthesize.
beforeAll(() => {
  synth = synthRecordsApp({ routes: [['health', routes.health]] });
});
afterAll(() => synth?.cleanup());

const fnProps = (jobId: string) => {
  const job = synth.api.jobFunctions.get(jobId);
  if (!job) throw new Error(`no function for job ${jobId}`);
  const id = synth.api.getLogicalId(job.function.node.defaultChild as CfnElement);
  return { id, props: synth.apiTemplate.Resources[id]?.Properties ?? {} };
};

describe('scheduled jobs', () => {
  it('get one function each, and one EventBridge rule each scheduled job', () => {
    expect(synth.api.jobFunctions.size).toBe(jobEntries.length);
    expect(resourcesOfType(synth.apiTemplate, 'AWS::Events::Rule')).toHaveLength(scheduled.length);
  });

  it.each(streaming)(
    'job %s reads the access log’s stream in order, from the oldest record, retrying, then dead-letters',
    (jobId) => {
      const { id } = fnProps(jobId);
      const mappings = resourcesOfType(synth.apiTemplate, 'AWS::Lambda::EventSourceMapping').map(
        ([, resource]) => resource.Properties ?? {},
      );
      const mapping = mappings.find((properties) => JSON.stringify(properties.FunctionName).includes(id));
      expect(mapping).toMatchObject({ StartingPosition: 'TRIM_HORIZON', BisectBatchOnFunctionError: true });
      expect(JSON.stringify(mapping?.EventSourceArn)).toContain('StreamArn');
      expect(JSON.stringify(mapping?.DestinationConfig)).toContain(`Job${jobId}DeadLetters`);
    },
  );

  it.each(scheduled)('job %s runs on its schedule', (jobId, def) => {
    const { id } = fnProps(jobId);
    const rule = resourcesOfType(synth.apiTemplate, 'AWS::Events::Rule')
      .map(([, resource]) => resource.Properties ?? {})
      .find((properties) => JSON.stringify(properties.Targets).includes(id));
    expect(rule).toMatchObject({ ScheduleExpression: def.schedule, State: 'ENABLED' });
  });

  it.each(jobEntries)('job %s dead-letters failed invocations to an encrypted, TLS-only queue', (jobId) => {
    const { props } = fnProps(jobId);
    const queueId = /"Fn::GetAtt":\["([A-Za-z0-9]+)","Arn"\]/.exec(
      JSON.stringify(props.DeadLetterConfig),
    )?.[1];
    expect(queueId).toBeDefined();
    expect(synth.apiTemplate.Resources[queueId ?? '']?.Properties).toMatchObject({
      SqsManagedSseEnabled: true,
    });
    const policies = resourcesOfType(synth.apiTemplate, 'AWS::SQS::QueuePolicy').map(([, p]) =>
      JSON.stringify(p),
    );
    expect(policies.some((p) => p.includes(queueId ?? '?') && p.includes('aws:SecureTransport'))).toBe(true);
  });

  it('alarm when a seal job fails', () => {
    const sealing = jobEntries.filter(([, def]) => def.access.auditLog === 'seal');
    const descriptions = resourcesOfType(synth.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, alarm]) =>
      String(alarm.Properties?.AlarmDescription),
    );
    expect(descriptions.filter((description) => description.includes('is not sealed'))).toHaveLength(
      sealing.length,
    );
  });

  it('stay free of unacknowledged cdk-nag findings', () => {
    expect(unacknowledgedFindings(synth.report)).toEqual([]);
  });
});
