import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { type AccessTargets, accessStatements } from '../../infra/access.ts';
import { type RouteDef, routeEntries, routes } from '../../shared/routes.ts';
import {
  logicalId,
  props,
  resourcesOfType,
  roleStatements,
  type SynthesizedApp,
  synthRecordsApp,
  unacknowledgedFindings,
} from './synth.ts';

/**
 * Until the Binary routes land in the route table, two stand-ins declare `binaries` (with
 * existing handler files: the templates do not run them); routes of the table that declare
 * it are checked the same way.
 */
const standIns: [string, RouteDef][] = [
  [
    'createBinaryStandIn',
    {
      ...routes.createPatient,
      path: '/Binary',
      access: { ...routes.createPatient.access, binaries: 'write' },
    },
  ],
  [
    'readBinaryStandIn',
    {
      ...routes.readPatient,
      path: '/Binary/{id}',
      access: { ...routes.readPatient.access, binaries: 'read' },
    },
  ],
];
const tableRoutes = routeEntries();
const declaring = [...tableRoutes.filter(([, def]) => def.access.binaries), ...standIns];
const others = tableRoutes.filter(([, def]) => !def.access.binaries && def.auth === 'jwt').slice(0, 3);

let synth: SynthesizedApp;

beforeAll(() => {
  synth = synthRecordsApp({
    routes: [...tableRoutes.filter(([, def]) => def.access.binaries), ...others, ...standIns],
    cloudFormationValidation: false,
  });
});
afterAll(() => synth?.cleanup());

const bucketId = () => synth.data.getLogicalId(synth.data.storage.binaries.node.defaultChild as CfnElement);

describe('the bucket of Binary bodies', () => {
  it('is private, TLS-only, versioned, retained, and encrypted with the data key and a bucket key', () => {
    const bucket = synth.dataTemplate.Resources[bucketId()];
    expect(bucket?.DeletionPolicy).toBe('Retain');
    expect(bucket?.UpdateReplacePolicy).toBe('Retain');
    const dataKey = synth.data.getLogicalId(synth.data.keys.dataKey.node.defaultChild as CfnElement);
    expect(props(bucket)).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [dataKey, 'Arn'] },
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(props(bucket).BucketName).toBeUndefined();
    const policies = resourcesOfType(synth.dataTemplate, 'AWS::S3::BucketPolicy').filter(([, policy]) =>
      JSON.stringify(props(policy).Bucket).includes(bucketId()),
    );
    expect(policies).toHaveLength(1);
    expect(JSON.stringify(policies[0]?.[1].Properties?.PolicyDocument)).toContain(
      '{"Bool":{"aws:SecureTransport":"false"}}',
    );
  });

  it('leaves no unacknowledged cdk-nag finding with routes that put and get bodies', () => {
    expect(unacknowledgedFindings(synth.report)).toEqual([]);
  });
});

describe('routes that declare binaries', () => {
  it.each(declaring)(
    '%s gets PutObject or GetObject on the objects only, the bucket key through S3, and BINARY_BUCKET',
    (routeId, def) => {
      const fn = synth.api.routeFunctions.get(routeId);
      if (!fn) throw new Error(`no function for ${routeId}`);
      const statements = roleStatements(synth, fn.role);
      const s3 = statements.filter((statement) => JSON.stringify(statement.Action).includes('s3:'));
      const writes = def.access.binaries === 'write';
      expect(s3.map((statement) => statement.Action)).toEqual([writes ? 's3:PutObject' : 's3:GetObject']);
      expect(s3[0]?.Resource).toEqual({
        'Fn::Join': ['', [{ 'Fn::ImportValue': 'FhirRecords-test-BinaryBucketArn' }, '/*']],
      });
      const bucketKey = statements.filter((statement) => statement.Sid === 'BinaryBucketKeyViaS3');
      expect(bucketKey.map((statement) => statement.Action)).toEqual([
        writes ? 'kms:GenerateDataKey' : 'kms:Decrypt',
      ]);
      expect(JSON.stringify(bucketKey[0]?.Condition)).toContain(
        '"kms:ViaService":"s3.eu-west-1.amazonaws.com"',
      );
      expect(JSON.stringify(bucketKey[0]?.Condition)).toContain('kms:EncryptionContext:aws:s3:arn');
      const env = z
        .object({ Variables: z.record(z.string(), z.unknown()) })
        .parse(props(synth.apiTemplate.Resources[logicalId(synth, fn.function)]).Environment).Variables;
      expect(JSON.stringify(env.BINARY_BUCKET)).toContain(bucketId());
    },
  );

  it('imports the bucket ARN by the name the Data stack exports it under', () => {
    const outputs = z.record(z.string(), z.object({ Value: z.unknown(), Export: z.optional(z.unknown()) }));
    const exported = Object.values(outputs.parse(synth.dataTemplate.Outputs)).filter(
      (output) => JSON.stringify(output.Export) === '{"Name":"FhirRecords-test-BinaryBucketArn"}',
    );
    expect(exported.map((output) => output.Value)).toEqual([{ 'Fn::GetAtt': [bucketId(), 'Arn'] }]);
  });

  it('gives routes that do not declare binaries neither S3 actions nor BINARY_BUCKET', () => {
    for (const [routeId] of others) {
      const fn = synth.api.routeFunctions.get(routeId);
      if (!fn) throw new Error(`no function for ${routeId}`);
      expect(JSON.stringify(roleStatements(synth, fn.role)), routeId).not.toContain('s3:');
      const p = props(synth.apiTemplate.Resources[logicalId(synth, fn.function)]);
      expect(JSON.stringify(p.Environment), routeId).not.toContain('BINARY_BUCKET');
    }
  });
});

describe('the access statements of binaries (infra/access.ts)', () => {
  const targets: AccessTargets = {
    region: 'eu-west-1',
    recordsTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/records',
    recordsIndexNames: [],
    auditTableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/audit',
    auditIndexNames: [],
    dataKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/data',
    indexKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/index',
    signingKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/signing',
    auditStreamArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/audit/stream/x',
    binaryBucketArn: 'arn:aws:s3:::binaries',
  };
  const statementsOf = (binaries: 'read' | 'write') =>
    accessStatements(targets, { access: { binaries }, appendsAudit: false }).map((statement) =>
      statement.toJSON(),
    );
  const viaS3 = {
    StringEquals: {
      'kms:ViaService': 's3.eu-west-1.amazonaws.com',
      'kms:EncryptionContext:aws:s3:arn': 'arn:aws:s3:::binaries',
    },
  };

  it('lets a writer put objects and have S3 make their data keys, nothing else', () => {
    expect(statementsOf('write')).toEqual([
      {
        Sid: 'BinaryBodiesPut',
        Effect: 'Allow',
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::binaries/*',
      },
      {
        Sid: 'BinaryBucketKeyViaS3',
        Effect: 'Allow',
        Action: 'kms:GenerateDataKey',
        Resource: targets.dataKeyArn,
        Condition: viaS3,
      },
    ]);
  });

  it('lets a reader get objects and have S3 decrypt them, nothing else', () => {
    expect(statementsOf('read')).toEqual([
      {
        Sid: 'BinaryBodiesGet',
        Effect: 'Allow',
        Action: 's3:GetObject',
        Resource: 'arn:aws:s3:::binaries/*',
      },
      {
        Sid: 'BinaryBucketKeyViaS3',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: targets.dataKeyArn,
        Condition: viaS3,
      },
    ]);
  });
});
