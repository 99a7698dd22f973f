import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { PROJECT_ROOT } from '../../infra/records-app.ts';
import { SMART_PATHS } from '../../shared/auth/smart-configuration.ts';
import { type JobDef, jobs, type RouteDef, routeEntries } from '../../shared/routes.ts';
import { recordsTable, tableDefs } from '../../shared/tables.ts';
import {
  type CfnResourceJson,
  logicalId,
  resourcesOfType,
  roleStatements,
  type SynthesizedApp,
  synthRecordsApp,
} from './synth.ts';

const Statement = z.object({
  Sid: z.optional(z.string()),
  Effect: z.string(),
  Principal: z.optional(z.unknown()),
  Action: z.optional(z.union([z.string(), z.array(z.string())])),
  NotAction: z.optional(z.unknown()),
  Resource: z.optional(z.unknown()),
  Condition: z.optional(z.record(z.string(), z.record(z.string(), z.unknown()))),
});
type Statement = z.infer<typeof Statement>;
const PolicyDocument = z.object({ Statement: z.array(Statement) });

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];
const props = (resource: CfnResourceJson | undefined): Record<string, unknown> => resource?.Properties ?? {};

let synth: SynthesizedApp;
const routes = routeEntries();
const jobCount = Object.keys(jobs).length;
/** Outside the route table: the pre-token trigger and authorize facade (infra/smart-login.ts), the authorizer, token, introspection, revocation and discovery functions (infra/smart-endpoints.ts). */
const smartFunctions = 7;

beforeAll(() => {
  synth = synthRecordsApp();
});
afterAll(() => synth?.cleanup());

/** Every policy document of a template, with where it came from. */
function policyDocuments(
  template: SynthesizedApp['apiTemplate'],
): { where: string; statements: Statement[] }[] {
  const documents: { where: string; statements: Statement[] }[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    const p = props(resource);
    const candidates: unknown[] = [];
    if (resource.Type === 'AWS::IAM::ManagedPolicy' || resource.Type === 'AWS::IAM::Policy') {
      candidates.push(p.PolicyDocument);
    }
    if (resource.Type === 'AWS::IAM::Role') {
      candidates.push(
        ...asArray(p.Policies).map(
          (policy) => z.object({ PolicyDocument: z.unknown() }).parse(policy).PolicyDocument,
        ),
      );
      candidates.push(p.AssumeRolePolicyDocument);
    }
    if (resource.Type === 'AWS::KMS::Key') candidates.push(p.KeyPolicy);
    if (resource.Type === 'AWS::SNS::TopicPolicy') candidates.push(p.PolicyDocument);
    if (resource.Type === 'AWS::DynamoDB::GlobalTable') {
      for (const replica of asArray(p.Replicas)) {
        const parsed = z
          .object({ ResourcePolicy: z.optional(z.object({ PolicyDocument: z.unknown() })) })
          .parse(replica);
        if (parsed.ResourcePolicy) candidates.push(parsed.ResourcePolicy.PolicyDocument);
      }
    }
    for (const candidate of candidates) {
      documents.push({ where: id, statements: PolicyDocument.parse(candidate).Statement });
    }
  }
  return documents;
}

describe('the data stack', () => {
  it('builds every table of shared/tables.ts with its keys, indexes, projections and TTL, all keys strings', () => {
    const tables = resourcesOfType(synth.dataTemplate, 'AWS::DynamoDB::GlobalTable');
    expect(tables).toHaveLength(tableDefs.length);
    for (const def of tableDefs) {
      const logicalId = synth.data.getLogicalId(
        (def === recordsTable ? synth.data.storage.records : synth.data.storage.auditLog).node
          .defaultChild as CfnElement,
      );
      const table = props(synth.dataTemplate.Resources[logicalId]);
      expect(table.KeySchema).toEqual([
        { AttributeName: def.partitionKey, KeyType: 'HASH' },
        { AttributeName: def.sortKey, KeyType: 'RANGE' },
      ]);
      expect(table.TimeToLiveSpecification).toEqual({
        AttributeName: def.timeToLiveAttribute,
        Enabled: true,
      });
      expect(table.GlobalSecondaryIndexes).toEqual(
        def.indexes.map((index) => ({
          IndexName: index.name,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: index.projection },
        })),
      );
      for (const attribute of asArray(table.AttributeDefinitions)) {
        expect(attribute).toMatchObject({ AttributeType: 'S' });
      }
      expect(table.TableName).toBeUndefined();
    }
  });

  it('encrypts every table with the customer-managed data key, with PITR, deletion protection and RETAIN', () => {
    const dataKeyId = synth.data.getLogicalId(synth.data.keys.dataKey.node.defaultChild as CfnElement);
    for (const [, table] of resourcesOfType(synth.dataTemplate, 'AWS::DynamoDB::GlobalTable')) {
      expect(props(table).SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS' });
      const [replica, ...others] = asArray(props(table).Replicas);
      expect(others).toHaveLength(0);
      expect(replica).toMatchObject({
        SSESpecification: { KMSMasterKeyId: { 'Fn::GetAtt': [dataKeyId, 'Arn'] } },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(table.DeletionPolicy).toBe('Retain');
      expect(table.UpdateReplacePolicy).toBe('Retain');
    }
  });

  it('has a rotating data key, an HMAC key for blind indexes and a P-256 signing key for audit digests', () => {
    const keys = synth.data.keys;
    const key = (construct: typeof keys.dataKey) =>
      props(synth.dataTemplate.Resources[synth.data.getLogicalId(construct.node.defaultChild as CfnElement)]);
    expect(key(keys.dataKey)).toMatchObject({ EnableKeyRotation: true });
    expect(key(keys.indexKey)).toMatchObject({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
    expect(key(keys.signingKey)).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
    const logsPolicy = PolicyDocument.parse(key(keys.logsKey).KeyPolicy);
    const logsService = logsPolicy.Statement.find((statement) =>
      JSON.stringify(statement).includes('logs.eu-west-1.amazonaws.com'),
    );
    expect(logsService).toMatchObject({ Effect: 'Allow', Condition: { ArnLike: expect.anything() } });
  });

  it('denies updating or deleting access-log items to every principal in the table policy', () => {
    const auditId = synth.data.getLogicalId(synth.data.storage.auditLog.node.defaultChild as CfnElement);
    const [replica] = asArray(props(synth.dataTemplate.Resources[auditId]).Replicas);
    expect(replica).toMatchObject({
      ResourcePolicy: {
        PolicyDocument: {
          Statement: [
            expect.objectContaining({
              Effect: 'Deny',
              Principal: { AWS: '*' },
              Action: expect.arrayContaining([
                'dynamodb:UpdateItem',
                'dynamodb:DeleteItem',
                'dynamodb:BatchWriteItem',
              ]),
            }),
          ],
        },
      },
    });
  });
});

describe('the access log’s anchor outside the table (issue 14)', () => {
  const dataId = (construct: { node: { defaultChild?: unknown } }) =>
    synth.data.getLogicalId(construct.node.defaultChild as CfnElement);
  const chain = () => synth.data.auditChain;

  it('streams the access log with new and old images', () => {
    expect(
      props(synth.dataTemplate.Resources[dataId(synth.data.storage.auditLog)]).StreamSpecification,
    ).toEqual({
      StreamViewType: 'NEW_AND_OLD_IMAGES',
    });
    expect(
      props(synth.dataTemplate.Resources[dataId(synth.data.storage.records)]).StreamSpecification,
    ).toBeUndefined();
  });

  it('archives into a bucket with Object Lock in compliance mode for the six-year retention, KMS, TLS only, no public access, RETAIN', () => {
    const bucket = synth.dataTemplate.Resources[dataId(chain().archive)];
    expect(props(bucket)).toMatchObject({
      ObjectLockEnabled: true,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 2192 } },
      },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          expect.objectContaining({
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [dataId(synth.data.keys.archiveKey), 'Arn'] },
            },
          }),
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    expect(bucket?.DeletionPolicy).toBe('Retain');
  });

  it('lets nobody delete archived objects and nobody but the stream consumer’s role write them, over TLS only', () => {
    // The archive's policy (the Binary bucket has its own, test/infra/binaries.test.ts).
    const [[, policy] = ['', undefined]] = resourcesOfType(
      synth.dataTemplate,
      'AWS::S3::BucketPolicy',
    ).filter(([, candidate]) => JSON.stringify(props(candidate).Bucket).includes(dataId(chain().archive)));
    const statements = PolicyDocument.parse(props(policy).PolicyDocument).Statement;
    const archiveRole = dataId(chain().archiveRole);
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: expect.arrayContaining([
            's3:DeleteObject',
            's3:DeleteObjectVersion',
            's3:PutObjectRetention',
          ]),
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:PutObject',
          Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [archiveRole, 'Arn'] } } },
        }),
      ]),
    );
    // Its one write grant: PutObject on the archive, GenerateDataKey on its key through S3.
    const write = resourcesOfType(synth.dataTemplate, 'AWS::IAM::ManagedPolicy').find(([, resource]) =>
      JSON.stringify(props(resource).Roles).includes(archiveRole),
    );
    const granted = PolicyDocument.parse(props(write?.[1]).PolicyDocument).Statement.map(
      (statement) => statement.Action,
    );
    expect(granted).toEqual(['s3:PutObject', 'kms:GenerateDataKey']);
    // No function of the API stack may write it.
    for (const { where, statements: apiStatements } of policyDocuments(synth.apiTemplate)) {
      for (const statement of apiStatements) {
        expect(JSON.stringify(statement.Resource ?? ''), where).not.toContain(dataId(chain().archive));
      }
    }
  });

  it('lets only the seal job’s role sign digests, in the signing key’s own policy: no delegation of kms:Sign to IAM', () => {
    const keyPolicy = PolicyDocument.parse(
      props(synth.dataTemplate.Resources[dataId(synth.data.keys.signingKey)]).KeyPolicy,
    ).Statement;
    const sealRole = { 'Fn::GetAtt': [dataId(chain().sealRole), 'Arn'] };
    const signing = keyPolicy.filter((statement) => asArray(statement.Action).includes('kms:Sign'));
    expect(signing).toEqual([
      expect.objectContaining({ Effect: 'Allow', Principal: { AWS: sealRole }, Action: 'kms:Sign' }),
      expect.objectContaining({
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': sealRole } },
      }),
    ]);
    const seal = synth.api.jobFunctions.get('sealAuditLog');
    expect(seal?.role).toBe(chain().sealRole);
    expect(synth.api.jobFunctions.get('archiveAuditLog')?.role).toBe(chain().archiveRole);
    // Route functions have roles of their own, none of which is either.
    for (const [, fn] of synth.api.routeFunctions) {
      expect([chain().sealRole, chain().archiveRole]).not.toContain(fn.role);
    }
  });

  it('bounds each appender to its partitions: routes to hour partitions, the seal job to digests', () => {
    const appends = policyDocuments(synth.apiTemplate).flatMap(({ statements }) =>
      statements.filter(
        (statement) =>
          asArray(statement.Action).includes('dynamodb:PutItem') &&
          String(statement.Sid).startsWith('AccessLogAppend'),
      ),
    );
    expect(appends.length).toBeGreaterThan(routes.length / 2);
    for (const statement of appends) {
      const leading = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'];
      expect(leading).toEqual(statement.Sid === 'AccessLogAppendDigests' ? ['DIGEST', 'DIGEST#*'] : ['AE#*']);
    }
    expect(appends.filter((statement) => statement.Sid === 'AccessLogAppendDigests')).toHaveLength(1);
  });

  it('alarms on the stream consumer’s tampering line (any MODIFY, a REMOVE before retention ends)', () => {
    const filters = resourcesOfType(synth.apiTemplate, 'AWS::Logs::MetricFilter').map(([, f]) => props(f));
    const tampering = filters.filter(
      (f) =>
        f.MetricTransformations && JSON.stringify(f.MetricTransformations).includes('AccessLogTampering'),
    );
    expect(tampering.map((f) => f.FilterPattern)).toEqual([
      '{ $.message = "access log item changed or removed" }',
    ]);
    const alarms = resourcesOfType(synth.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    expect(alarms).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Namespace: 'FhirRecords', MetricName: 'AccessLogTampering', Threshold: 1 }),
      ]),
    );
  });

  it('runs the seal job every five minutes by default', () => {
    const rules = resourcesOfType(synth.apiTemplate, 'AWS::Events::Rule').map(([, rule]) => props(rule));
    expect(rules.map((rule) => rule.ScheduleExpression)).toEqual(['rate(5 minutes)']);
  });
});

describe('IAM', () => {
  it('has no statement with a * action in either stack (no *, dynamodb:*, kms:*)', () => {
    const wildcard: string[] = [];
    for (const template of [synth.dataTemplate, synth.apiTemplate]) {
      for (const { where, statements } of policyDocuments(template)) {
        for (const statement of statements) {
          expect(statement.NotAction, `${where} uses NotAction`).toBeUndefined();
          for (const action of asArray(statement.Action)) {
            if (action === '*' || action.endsWith(':*')) wildcard.push(`${where}: ${action}`);
          }
        }
      }
    }
    expect(wildcard).toEqual([]);
  });

  // What each declared access must grant, written out independently of infra/access.ts.
  type Grant = string; // `${action} on ${target}`
  function expectedGrants(def: RouteDef): Set<Grant> {
    const grants = expectedGrantsOf(
      def.auth === 'none' ? {} : def.access,
      def.auth === 'jwt' && def.audit !== undefined,
    );
    // The batch endpoint: every authenticated route but the invokers themselves.
    if (def.auth === 'jwt' && def.access.invokeRoutes) {
      for (const [routeId, other] of routes) {
        if (other.auth === 'jwt' && !other.access.invokeRoutes)
          grants.add(`lambda:InvokeFunction on route ${routeId}`);
      }
    }
    return grants;
  }
  function expectedGrantsOf(access: JobDef['access'], audited: boolean): Set<Grant> {
    const grants = new Set<Grant>([
      'logs:CreateLogStream on own-log-group',
      'logs:PutLogEvents on own-log-group',
      'xray:PutTraceSegments on *',
      'xray:PutTelemetryRecords on *',
    ]);
    const add = (target: string, ...actions: string[]) => {
      for (const action of actions) grants.add(`${action} on ${target}`);
    };
    if (access.records) {
      add('records', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');
      add('records-index', 'dynamodb:Query');
    }
    if (access.records === 'write') {
      add(
        'records',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:DeleteItem',
        'dynamodb:ConditionCheckItem',
      );
    }
    if (access.idempotencyRecords) {
      add('records idempotency keys', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem');
    }
    if (audited) add('access-log', 'dynamodb:PutItem');
    if (access.auditLog === 'stream') {
      add(
        'access-log-stream',
        'dynamodb:DescribeStream',
        'dynamodb:GetRecords',
        'dynamodb:GetShardIterator',
        'dynamodb:ListStreams',
      );
    }
    if (access.auditLog === 'read' || access.auditLog === 'seal') {
      add('access-log', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query');
      add('access-log-index', 'dynamodb:Query');
    }
    if (access.records || access.idempotencyRecords || audited || access.auditLog)
      add('data-key via dynamodb', 'kms:Decrypt');
    if (access.dataKey === 'decrypt') add('data-key for fhir-resource', 'kms:Decrypt');
    if (access.dataKey === 'encrypt-decrypt')
      add('data-key for fhir-resource', 'kms:Decrypt', 'kms:GenerateDataKey');
    if (audited && access.records) add('data-key for audit-reason', 'kms:GenerateDataKey');
    if (access.auditReasons === 'decrypt') add('data-key for audit-reason', 'kms:Decrypt');
    if (access.indexKey) add('index-key', 'kms:GenerateMac', 'kms:VerifyMac');
    if (access.binaries === 'write') {
      add('binary-objects', 's3:PutObject');
      add('data-key via s3 for the binary bucket', 'kms:GenerateDataKey');
    }
    if (access.binaries === 'read') {
      add('binary-objects', 's3:GetObject');
      add('data-key via s3 for the binary bucket', 'kms:Decrypt');
    }
    if (access.signingKey === 'sign') add('signing-key', 'kms:Sign');
    if (access.signingKey === 'verify') add('signing-key', 'kms:Verify', 'kms:GetPublicKey');
    return grants;
  }

  function targetOf(
    resource: unknown,
    statement: Statement,
    ownLogGroup: string,
    ownDeadLetters?: string,
  ): string {
    if (resource === '*') return '*';
    const text = JSON.stringify(resource);
    const dataId = (construct: { node: { defaultChild?: unknown } }) =>
      synth.data.getLogicalId(construct.node.defaultChild as CfnElement);
    const isIndex = text.includes('/index/');
    if (text.includes(dataId(synth.data.storage.auditLog)) && text.includes('StreamArn'))
      return 'access-log-stream';
    if (text.includes(dataId(synth.data.storage.records))) {
      const leading = JSON.stringify(statement.Condition ?? {});
      if (leading.includes('dynamodb:LeadingKeys')) {
        return leading.includes('"*#idem#*"') ? 'records idempotency keys' : `records keys ${leading}`;
      }
      return isIndex ? 'records-index' : 'records';
    }
    if (text.includes(dataId(synth.data.storage.auditLog)))
      return isIndex ? 'access-log-index' : 'access-log';
    if (text.includes(dataId(synth.data.keys.dataKey))) {
      const condition = statement.Condition?.StringEquals ?? {};
      if (condition['kms:ViaService'] === 'dynamodb.eu-west-1.amazonaws.com') return 'data-key via dynamodb';
      if (
        condition['kms:ViaService'] === 's3.eu-west-1.amazonaws.com' &&
        JSON.stringify(condition['kms:EncryptionContext:aws:s3:arn']).includes('BinaryBucketArn')
      )
        return 'data-key via s3 for the binary bucket';
      if (condition['kms:EncryptionContext:purpose'] === 'fhir-resource') return 'data-key for fhir-resource';
      if (condition['kms:EncryptionContext:purpose'] === 'audit-reason') return 'data-key for audit-reason';
      return 'data-key unconditioned';
    }
    if (
      text ===
      JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::ImportValue': 'FhirRecords-test-BinaryBucketArn' }, '/*']] })
    )
      return 'binary-objects';
    if (text.includes(dataId(synth.data.keys.indexKey))) return 'index-key';
    if (text.includes(dataId(synth.data.keys.signingKey))) return 'signing-key';
    if (text.includes(ownLogGroup)) return 'own-log-group';
    for (const [routeId] of synth.api.routeFunctions) {
      // The batch names route functions by their physical names (infra/route-function.ts).
      if (text.includes(`:function:FhirRecords-test-${routeId}"`)) return `route ${routeId}`;
    }
    if (ownDeadLetters && text.includes(ownDeadLetters)) return 'own-dead-letter-queue';
    return `unknown ${text}`;
  }

  function grantsOf(routeId: string): Set<Grant> {
    const fn = synth.api.routeFunctions.get(routeId) ?? synth.api.jobFunctions.get(routeId);
    if (!fn) throw new Error(`no function for ${routeId}`);
    const role = synth.api.getLogicalId(fn.role.node.defaultChild as CfnElement);
    const ownLogGroup = synth.api.getLogicalId(fn.logGroup.node.defaultChild as CfnElement);
    const ownDeadLetters = synth.api.jobFunctions.has(routeId) ? `Job${routeId}DeadLetters` : undefined;
    const grants = new Set<Grant>();
    for (const [, resource] of Object.entries(synth.apiTemplate.Resources)) {
      const p = props(resource);
      const attached =
        (resource.Type === 'AWS::IAM::ManagedPolicy' && JSON.stringify(p.Roles).includes(role)) ||
        (resource.Type === 'AWS::IAM::Policy' && JSON.stringify(p.Roles).includes(role));
      if (!attached) continue;
      for (const statement of PolicyDocument.parse(p.PolicyDocument).Statement) {
        expect(statement.Effect).toBe('Allow');
        for (const action of asArray(statement.Action)) {
          for (const target of asArray(statement.Resource))
            grants.add(`${action} on ${targetOf(target, statement, ownLogGroup, ownDeadLetters)}`);
        }
      }
    }
    const roleProps = props(synth.apiTemplate.Resources[role]);
    expect(roleProps.Policies, `${routeId} has inline policies`).toBeUndefined();
    expect(roleProps.ManagedPolicyArns, `${routeId} has AWS managed policies`).toBeUndefined();
    return grants;
  }

  it.each(routes)('route %s gets exactly the grants its access declares', (routeId, def) => {
    expect([...grantsOf(routeId)].sort()).toEqual([...expectedGrants(def)].sort());
  });

  it.each(Object.entries(jobs))('job %s gets exactly the grants its access declares', (jobId, def) => {
    const expected = expectedGrantsOf(def.access, def.access.auditLog === 'seal');
    expected.add('sqs:SendMessage on own-dead-letter-queue');
    expect([...grantsOf(jobId)].sort()).toEqual([...expected].sort());
  });

  it('gives the batch route the functions’ name prefix, and each route function the name the batch builds from it', () => {
    const invokers = routes.filter(([, def]) => def.access.invokeRoutes);
    expect(invokers.length).toBeGreaterThan(0);
    for (const [routeId] of invokers) {
      const fn = synth.api.routeFunctions.get(routeId);
      const env = z
        .object({ Variables: z.record(z.string(), z.unknown()) })
        .parse(
          props(synth.apiTemplate.Resources[fn ? logicalId(synth, fn.function) : '']).Environment,
        ).Variables;
      expect(env.ROUTE_FUNCTION_PREFIX).toBe('FhirRecords-test-');
      expect(env.ROUTE_FUNCTIONS).toBeUndefined();
    }
    for (const [routeId, fn] of synth.api.routeFunctions) {
      const p = props(synth.apiTemplate.Resources[logicalId(synth, fn.function)]);
      expect(p.FunctionName, routeId).toBe(`FhirRecords-test-${routeId}`);
      expect(String(p.FunctionName).length).toBeLessThanOrEqual(64);
    }
  });

  it('keeps the longest route function name within Lambda’s 64 characters, and refuses a stage name that would not', () => {
    const longest = routes.reduce((max, entry) => (entry[0].length > max[0].length ? entry : max));
    const stage = 'a'.repeat(64 - longest[0].length - 'FhirRecords--'.length);
    // One route is enough for the name; the refusal comes before any route is built.
    const ok = synthRecordsApp({ context: { stage }, routes: [longest] });
    try {
      const fn = ok.api.routeFunctions.get(longest[0]);
      const name = String(props(ok.apiTemplate.Resources[fn ? logicalId(ok, fn.function) : '']).FunctionName);
      expect(name).toBe(`FhirRecords-${stage}-${longest[0]}`);
      expect(name).toHaveLength(64);
    } finally {
      ok.cleanup();
    }
    expect(() => synthRecordsApp({ context: { stage: `${stage}b` } })).toThrow(
      /would pass Lambda's 64 characters/,
    );
  });

  it('lets every route that reads records Query each index of the records table, byPatientUpdated included, and nothing else', () => {
    expect(recordsTable.indexes.map((index) => index.name)).toContain('byPatientUpdated');
    const readers = routes.filter(([, def]) => def.auth === 'jwt' && def.access.records);
    expect(readers.length).toBeGreaterThan(81);
    for (const [routeId] of readers) {
      const fn = synth.api.routeFunctions.get(routeId);
      if (!fn) throw new Error(`no function for ${routeId}`);
      const [query, ...others] = roleStatements(synth, fn.role).filter(
        (statement) => statement.Sid === 'RecordsIndexQuery',
      );
      expect(others, routeId).toEqual([]);
      expect(query?.Action, routeId).toBe('dynamodb:Query');
      const named = asArray(query?.Resource).map((resource) => {
        const match = /\/index\/([A-Za-z]+)"/.exec(JSON.stringify(resource));
        return match?.[1];
      });
      expect(named.sort(), routeId).toEqual(recordsTable.indexes.map((index) => index.name).sort());
    }
  });

  it('lets no role do anything to the access log but PutItem, except compliance reads (GetItem, BatchGetItem, Query)', () => {
    const auditArn = synth.data.getLogicalId(synth.data.storage.auditLog.node.defaultChild as CfnElement);
    const readers = new Set(
      routes.filter(([, def]) => def.access.auditLog === 'read').map(([routeId]) => routeId),
    );
    for (const [routeId] of routes) {
      for (const grant of grantsOf(routeId)) {
        if (!grant.endsWith(' on access-log') && !grant.endsWith(' on access-log-index')) continue;
        const action = grant.split(' ')[0];
        if (readers.has(routeId))
          expect([
            'dynamodb:PutItem',
            'dynamodb:GetItem',
            'dynamodb:BatchGetItem',
            'dynamodb:Query',
          ]).toContain(action);
        else expect(action).toBe('dynamodb:PutItem');
      }
    }
    // And nothing in the stack names UpdateItem/DeleteItem/BatchWriteItem on the access log.
    for (const { where, statements } of policyDocuments(synth.apiTemplate)) {
      for (const statement of statements) {
        if (!JSON.stringify(statement.Resource ?? '').includes(auditArn)) continue;
        // The stream consumer reads the table's stream, not its items.
        if (JSON.stringify(statement.Resource).includes('StreamArn')) continue;
        for (const action of asArray(statement.Action)) {
          expect(
            ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
            where,
          ).toContain(action);
        }
      }
    }
  });

  it('binds the data key grants to the envelope purposes named in shared/crypto/envelope.ts', () => {
    const envelope = readFileSync(join(PROJECT_ROOT, 'shared/crypto/envelope.ts'), 'utf8');
    expect(envelope).toMatch(/PURPOSE = 'fhir-resource'/);
    expect(envelope).toMatch(/purpose = PURPOSE/);
    expect(envelope).toMatch(/AUDIT_REASON_PURPOSE = 'audit-reason'/);
  });
});

describe('functions and routes', () => {
  const functions = () => resourcesOfType(synth.apiTemplate, 'AWS::Lambda::Function');

  it('has exactly one Lambda function per route and job, and the SMART functions', () => {
    expect(functions()).toHaveLength(routes.length + jobCount + smartFunctions);
    expect(synth.api.routeFunctions.size).toBe(routes.length);
    expect(synth.api.jobFunctions.size).toBe(jobCount);
  });

  it.each(routes)('route %s has a handler file that exports `handler`', (_routeId, def) => {
    const file = join(PROJECT_ROOT, def.handler);
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file, 'utf8')).toMatch(/export\s+(const|let|async\s+function|function)\s+handler\b/);
  });

  it('runs every function on Node.js 24, ARM, active tracing, reserved concurrency, the config env and JSON logs', () => {
    const all = [...synth.api.routeFunctions, ...synth.api.jobFunctions];
    for (const [id, fn] of all) {
      const p = props(
        synth.apiTemplate.Resources[synth.api.getLogicalId(fn.function.node.defaultChild as CfnElement)],
      );
      const job = synth.api.jobFunctions.has(id);
      expect({ ...p, Environment: undefined, Code: undefined, Role: undefined }, id).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        MemorySize: 512,
        Timeout: job ? 300 : 10,
        TracingConfig: { Mode: 'Active' },
        ReservedConcurrentExecutions: 5,
        LoggingConfig: expect.objectContaining({ LogFormat: 'JSON' }),
      });
      const env = z.object({ Variables: z.record(z.string(), z.unknown()) }).parse(p.Environment).Variables;
      expect(Object.keys(env).sort()).toEqual(
        [
          'AUDIT_TABLE',
          'CORS_ORIGINS',
          'DATA_KEY_ARN',
          'INDEX_KEY_ARN',
          'KEY_SOURCE',
          'RECORDS_TABLE',
          'SIGNING_KEY_ARN',
          'STAGE',
          'SEAL_INTERVAL_MINUTES',
          ...(routes.some(([routeId, def]) => routeId === id && def.access.invokeRoutes)
            ? ['ROUTE_FUNCTION_PREFIX']
            : []),
          ...(jobs[id]?.access.auditLog === 'stream' ? ['AUDIT_ARCHIVE_BUCKET'] : []),
          ...(routes.some(([routeId, def]) => routeId === id && def.access.binaries)
            ? ['BINARY_BUCKET']
            : []),
        ].sort(),
      );
      expect(env).toMatchObject({
        STAGE: 'test',
        KEY_SOURCE: 'kms',
        CORS_ORIGINS: 'https://portal.example.com',
      });
    }
  });

  /** `GET /Patient/{id}` for every API Gateway method of the template. */
  function methodsByRoute(): Map<string, Record<string, unknown>> {
    const resources = Object.fromEntries(resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Resource'));
    const restApi = synth.api.getLogicalId(synth.api.api.api.node.defaultChild as CfnElement);
    const pathOf = (ref: unknown): string => {
      const parsed = z
        .union([z.object({ Ref: z.string() }), z.object({ 'Fn::GetAtt': z.tuple([z.string(), z.string()]) })])
        .parse(ref);
      if ('Fn::GetAtt' in parsed) {
        expect(parsed['Fn::GetAtt']).toEqual([restApi, 'RootResourceId']);
        return '';
      }
      const resource = props(resources[parsed.Ref]);
      return `${pathOf(resource.ParentId)}/${String(resource.PathPart)}`;
    };
    const methods = new Map<string, Record<string, unknown>>();
    for (const [, method] of resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Method')) {
      const p = props(method);
      const key = `${String(p.HttpMethod)} ${pathOf(p.ResourceId) || '/'}`;
      expect(methods.has(key), `${key} defined twice`).toBe(false);
      methods.set(key, p);
    }
    return methods;
  }

  it('has one API Gateway method per route, with its method, path, function and authorizer, and nothing else', () => {
    const methods = methodsByRoute();
    const authorizer = synth.api.getLogicalId(
      synth.api.authorizer.authorizer.node.defaultChild as CfnElement,
    );
    for (const [routeId, def] of routes) {
      const method = methods.get(`${def.method} ${def.path}`);
      expect(method, `${routeId}: ${def.method} ${def.path}`).toBeDefined();
      const fn = synth.api.routeFunctions.get(routeId);
      const fnId = synth.api.getLogicalId(fn?.function.node.defaultChild as CfnElement);
      expect(JSON.stringify(z.object({ Integration: z.unknown() }).parse(method).Integration)).toContain(
        fnId,
      );
      if (def.auth === 'jwt') {
        expect(method).toMatchObject({
          AuthorizationType: 'CUSTOM',
          AuthorizerId: { Ref: authorizer },
        });
      } else {
        expect(method).toMatchObject({ AuthorizationType: 'NONE' });
        expect(method?.AuthorizerId).toBeUndefined();
      }
    }
    const nonPreflight = [...methods.keys()].filter((key) => !key.startsWith('OPTIONS '));
    expect(nonPreflight.sort()).toEqual(
      [
        ...routes.map(([, def]) => `${def.method} ${def.path}`),
        `GET ${SMART_PATHS.authorize}`,
        `POST ${SMART_PATHS.token}`,
        `POST ${SMART_PATHS.introspect}`,
        `POST ${SMART_PATHS.revoke}`,
        `GET ${SMART_PATHS.configuration}`,
      ].sort(),
    );
  });

  it('answers CORS preflight for the portal origin only, with the FHIR headers', () => {
    // The OAuth endpoints' preflights are the SMART apps' (test/infra/smart-gateway.test.ts).
    const oauth = [SMART_PATHS.token, SMART_PATHS.introspect, SMART_PATHS.revoke].map(
      (path) => `OPTIONS ${path}`,
    );
    const preflights = [...methodsByRoute()].filter(
      ([key]) => key.startsWith('OPTIONS ') && !oauth.includes(key),
    );
    expect(preflights.length).toBeGreaterThan(0);
    for (const [, method] of preflights) {
      const text = JSON.stringify(method);
      expect(text).toContain("'https://portal.example.com'");
      expect(text).not.toContain("'*'");
      for (const header of [
        'Authorization',
        'If-Match',
        'Idempotency-Key',
        'Prefer',
        'X-Break-Glass-Reason',
      ]) {
        expect(text).toContain(header);
      }
    }
  });

  it('retains every log group six years, encrypted with the logs key', () => {
    const logsKey = synth.data.getLogicalId(synth.data.keys.logsKey.node.defaultChild as CfnElement);
    const groups = resourcesOfType(synth.apiTemplate, 'AWS::Logs::LogGroup');
    // One per function, the API access log, the WAF log.
    expect(groups).toHaveLength(routes.length + jobCount + smartFunctions + 2);
    for (const [id, group] of groups) {
      expect(props(group).RetentionInDays, id).toBe(2192);
      expect(JSON.stringify(props(group).KmsKeyId), id).toContain(logsKey);
    }
  });
});

describe('the API', () => {
  it('logs access in JSON and execution at ERROR without data trace, with throttling and without X-Ray on the stage', () => {
    const [[, stage] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Stage');
    const p = props(stage);
    expect(p).toMatchObject({
      StageName: 'test',
      // API Gateway's X-Ray segments record the whole URL, query string (search values) included.
      TracingEnabled: false,
      MethodSettings: [
        expect.objectContaining({ LoggingLevel: 'ERROR', DataTraceEnabled: false, ThrottlingRateLimit: 100 }),
      ],
    });
    const format = z.object({ Format: z.string() }).parse(p.AccessLogSetting).Format;
    expect(JSON.parse(format)).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
  });

  it('records no query string anywhere: the access log names the route template, never the path or its parameters', () => {
    const [[, stage] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Stage');
    const format = z.object({ Format: z.string() }).parse(props(stage).AccessLogSetting).Format;
    const fields = Object.values(z.record(z.string(), z.string()).parse(JSON.parse(format)));
    expect(fields).toContain('$context.resourcePath');
    for (const value of fields) {
      // `$context.path` and `$context.requestOverride.*` carry the URL; `$input.params()` the query string.
      expect(value).not.toMatch(/^\$context\.path$|requestOverride|\$input\.|querystring|xrayTraceId/i);
    }
    const methods = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Method');
    for (const [id, method] of methods) {
      const parameters = Object.keys(Object(props(method).RequestParameters));
      expect(
        parameters.filter((name) => name.includes('querystring')),
        id,
      ).toEqual([]);
    }
  });

  it('is associated with a regional WAF web ACL with the managed rule groups, a rate rule and redacted logs', () => {
    const [[aclId, acl] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::WAFv2::WebACL');
    expect(props(acl).Scope).toBe('REGIONAL');
    const rules = JSON.stringify(props(acl).Rules);
    for (const group of [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
      'AWSManagedRulesSQLiRuleSet',
    ]) {
      expect(rules).toContain(group);
    }
    expect(rules).toContain('RateBasedStatement');
    const stageId = synth.api.getLogicalId(synth.api.api.api.deploymentStage.node.defaultChild as CfnElement);
    const [[, association] = ['', undefined]] = resourcesOfType(
      synth.apiTemplate,
      'AWS::WAFv2::WebACLAssociation',
    );
    expect(props(association).WebACLArn).toEqual({ 'Fn::GetAtt': [aclId, 'Arn'] });
    expect(JSON.stringify(props(association).ResourceArn)).toContain(`"/stages/",{"Ref":"${stageId}"}`);
    const [[, logging] = ['', undefined]] = resourcesOfType(
      synth.apiTemplate,
      'AWS::WAFv2::LoggingConfiguration',
    );
    expect(JSON.stringify(props(logging).LogDestinationConfigs)).toContain('log-group:aws-waf-logs-');
    expect(props(logging).RedactedFields).toContainEqual({ SingleHeader: { Name: 'authorization' } });
  });

  it('keeps tokens, the break-glass reason, the User-Agent and query strings out of the WAF log and its samples', () => {
    const [[, logging] = ['', undefined]] = resourcesOfType(
      synth.apiTemplate,
      'AWS::WAFv2::LoggingConfiguration',
    );
    const redacted = props(logging).RedactedFields;
    for (const header of ['authorization', 'x-break-glass-reason', 'user-agent'])
      expect(redacted).toContainEqual({ SingleHeader: { Name: header } });
    expect(redacted).toContainEqual({ QueryString: {} });
    const [[, acl] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::WAFv2::WebACL');
    const visibility = [
      props(acl).VisibilityConfig,
      ...z
        .array(z.looseObject({ VisibilityConfig: z.unknown() }))
        .parse(props(acl).Rules)
        .map((rule) => rule.VisibilityConfig),
    ];
    expect(visibility.length).toBeGreaterThan(4);
    for (const config of visibility) expect(config).toMatchObject({ SampledRequestsEnabled: false });
  });

  it('answers gateway errors with a FHIR OperationOutcome and the security headers', () => {
    const responses = new Map(
      resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(props(r).ResponseType),
        props(r),
      ]),
    );
    const expected: Record<string, string | undefined> = {
      DEFAULT_4XX: undefined,
      DEFAULT_5XX: undefined,
      UNAUTHORIZED: '401',
      ACCESS_DENIED: '403',
      MISSING_AUTHENTICATION_TOKEN: '404',
      THROTTLED: '429',
      REQUEST_TOO_LARGE: '413',
    };
    for (const [type, status] of Object.entries(expected)) {
      const response = responses.get(type);
      expect(response, type).toBeDefined();
      expect(response?.StatusCode).toBe(status);
      expect(response?.ResponseParameters).toMatchObject({
        'gatewayresponse.header.Content-Type': "'application/fhir+json'",
        'gatewayresponse.header.Strict-Transport-Security': expect.stringContaining('max-age='),
        'gatewayresponse.header.Cache-Control': "'no-store'",
        'gatewayresponse.header.X-Content-Type-Options': "'nosniff'",
      });
      const template = z.object({ 'application/json': z.string() }).parse(response?.ResponseTemplates)[
        'application/json'
      ];
      expect(template).toContain('"resourceType":"OperationOutcome"');
    }
    expect(JSON.stringify(responses.get('MISSING_AUTHENTICATION_TOKEN'))).toContain('not-found');
  });

  it('answers a refused token with API Gateway’s own reason, so an expired token says it expired', () => {
    const unauthorized = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::GatewayResponse')
      .map(([, r]) => props(r))
      .find((r) => r.ResponseType === 'UNAUTHORIZED');
    expect(JSON.stringify(unauthorized?.ResponseTemplates)).toContain('$context.error.messageString');
  });

  it('serves the custom domain over TLS 1.2 on a regional endpoint', () => {
    const [[, domain] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::DomainName');
    expect(props(domain)).toMatchObject({
      DomainName: 'api.example.com',
      SecurityPolicy: 'TLS_1_2',
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
    expect(
      props(resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::RestApi')[0]?.[1]).EndpointConfiguration,
    ).toEqual({
      Types: ['REGIONAL'],
    });
  });

  it('authenticates with a user pool: no self sign-up, TOTP MFA required, strong passwords, threat protection', () => {
    const [[, pool] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPool');
    expect(props(pool)).toMatchObject({
      AdminCreateUserConfig: expect.objectContaining({ AllowAdminCreateUserOnly: true }),
      MfaConfiguration: 'ON',
      EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
      Policies: {
        PasswordPolicy: expect.objectContaining({
          MinimumLength: 14,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        }),
      },
      UserPoolTier: 'PLUS',
      UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      DeletionProtection: 'ACTIVE',
    });
    const groups = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPoolGroup').map(
      ([, g]) => props(g).GroupName,
    );
    expect(groups.sort()).toEqual(['admin', 'clinician', 'compliance', 'patient']);
    const [[, client] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPoolClient');
    expect(props(client)).toMatchObject({
      AccessTokenValidity: 15,
      IdTokenValidity: 15,
      EnableTokenRevocation: true,
      PreventUserExistenceErrors: 'ENABLED',
      WriteAttributes: ['email'],
    });
  });

  it('alarms to an encrypted topic on 5XX rate, p99 latency, throttles, errors, break-glass and audit write failures', () => {
    const [[, topic] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::SNS::Topic');
    expect(props(topic).KmsMasterKeyId).toBeDefined();
    const alarms = resourcesOfType(synth.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    expect(alarms.every((a) => Array.isArray(a.AlarmActions) && a.AlarmActions.length === 1)).toBe(true);
    const metrics = alarms.map((a) => `${String(a.Namespace)}/${String(a.MetricName)}`);
    for (const metric of [
      'AWS/ApiGateway/5XXError',
      'AWS/ApiGateway/Latency',
      'AWS/Lambda/Throttles',
      'AWS/Lambda/Errors',
      'FhirRecords/BreakGlassAccess',
      'FhirRecords/AuditWriteFailures',
    ]) {
      expect(metrics).toContain(metric);
    }
    const filters = resourcesOfType(synth.apiTemplate, 'AWS::Logs::MetricFilter').map(
      ([, f]) => props(f).FilterPattern,
    );
    expect(filters).toContain('{ $.message = "audit write failed" }');
    expect(filters).toContain('{ $.breakGlass IS TRUE }');
    expect(resourcesOfType(synth.apiTemplate, 'AWS::SNS::Subscription')).toHaveLength(1);
  });

  it('exports the API URL, user pool id and client id', () => {
    expect(Object.keys(synth.apiTemplate.Outputs ?? {})).toEqual(
      expect.arrayContaining(['ApiUrl', 'UserPoolId', 'UserPoolClientId', 'CustomDomainTarget']),
    );
  });
});
