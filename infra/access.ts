import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { JobDef, RouteAccess, RouteDef } from '../shared/routes.ts';
import { IDEMPOTENCY_KEY_MARK } from '../shared/store/keys.ts';

/** What a function may touch: a route's or a job's `access`, and whether it appends AuditEvents. */
export interface FunctionAccess {
  /** `auditLog: 'seal'` (jobs only) reads the access log and appends digests to it. */
  access: JobDef['access'];
  appendsAudit: boolean;
}

/** ARNs (tokens at synth time) of what the grants name. */
export interface AccessTargets {
  region: string;
  recordsTableArn: string;
  recordsIndexNames: readonly string[];
  auditTableArn: string;
  auditIndexNames: readonly string[];
  dataKeyArn: string;
  indexKeyArn: string;
  signingKeyArn: string;
  /** The access log's stream (the stream consumer's grant). */
  auditStreamArn: string;
  /** The bucket of Binary bodies (infra/storage.ts). */
  binaryBucketArn: string;
}

/**
 * The envelope's encryption context purpose (shared/crypto/envelope.ts): the data key
 * grants hold only for payload envelopes, not for anything else sealed under the key.
 */
export const ENVELOPE_PURPOSE = 'fhir-resource';
/** The purpose of break-glass reasons sealed into AuditEvents (shared/crypto/envelope.ts). */
export const AUDIT_REASON_PURPOSE = 'audit-reason';

export class AccessDeclarationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AccessDeclarationError';
  }
}

/**
 * Every access key this file (and api-stack.ts for `invokeRoutes`) turns into grants. A key
 * added to RouteAccess without a grant here stops the synth instead of being ignored.
 */
const GRANTED_KEYS = [
  'records',
  'auditLog',
  'dataKey',
  'auditReasons',
  'indexKey',
  'signingKey',
  'invokeRoutes',
  'idempotencyRecords',
  'binaries',
] as const satisfies readonly (keyof RouteAccess)[];

function assertGranted(owner: string, access: object): void {
  const unknown = Object.keys(access).filter((key) => !(GRANTED_KEYS as readonly string[]).includes(key));
  if (unknown.length > 0) {
    throw new AccessDeclarationError(
      `${owner} declares access the stack cannot grant: ${unknown.join(', ')}`,
    );
  }
}

export function routeAccess(id: string, def: RouteDef): FunctionAccess {
  assertGranted(`route ${id}`, def.access);
  if (def.auth === 'none') {
    // A public route reaches no data: if one ever declares access, that is a mistake to stop at synth.
    if (Object.keys(def.access).length > 0 || def.audit !== undefined) {
      throw new AccessDeclarationError(
        `route ${id} has auth 'none' but declares data access or an audit action`,
      );
    }
    return { access: {}, appendsAudit: false };
  }
  return { access: def.access, appendsAudit: def.audit !== undefined };
}

/** Jobs that seal the access log append their digests to it. */
export function jobAccess(id: string, def: JobDef): FunctionAccess {
  assertGranted(`job ${id}`, def.access);
  if (def.access.invokeRoutes) throw new AccessDeclarationError(`job ${id}: only routes may invoke routes`);
  return { access: def.access, appendsAudit: def.access.auditLog === 'seal' };
}

/**
 * Least-privilege statements for one function, from its declared access and nothing
 * else. Transactions need no action of their own: DynamoDB authorizes each item of a
 * TransactWriteItems/TransactGetItems as the matching per-item action.
 */
export function accessStatements(
  targets: AccessTargets,
  { access, appendsAudit }: FunctionAccess,
): PolicyStatement[] {
  const statements: PolicyStatement[] = [];
  const indexQuery = (sid: string, tableArn: string, names: readonly string[]) =>
    names.length === 0
      ? []
      : [
          new PolicyStatement({
            sid,
            actions: ['dynamodb:Query'],
            resources: names.map((name) => `${tableArn}/index/${name}`),
          }),
        ];

  if (access.records) {
    statements.push(
      new PolicyStatement({
        sid: 'RecordsRead',
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        resources: [targets.recordsTableArn],
      }),
      ...indexQuery('RecordsIndexQuery', targets.recordsTableArn, targets.recordsIndexNames),
    );
  }
  if (access.records === 'write') {
    statements.push(
      new PolicyStatement({
        sid: 'RecordsWrite',
        actions: [
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:ConditionCheckItem',
        ],
        resources: [targets.recordsTableArn],
      }),
    );
  }
  if (access.idempotencyRecords) {
    statements.push(
      new PolicyStatement({
        sid: 'IdempotencyRecords',
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [targets.recordsTableArn],
        // `<org>#idem#<sub>#<key hash>` (shared/store/keys.ts): no other key holds `#idem#`,
        // as org ids, FHIR ids and blind-index tokens cannot contain `#`.
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`*${IDEMPOTENCY_KEY_MARK}*`] } },
      }),
    );
  }
  if (appendsAudit) {
    // IAM cannot require a condition expression on PutItem (no condition key says "no
    // overwrite"), but it can bound the partitions: routes append to hour partitions only,
    // the seal job to digest partitions only. attribute_not_exists in code, and the stream's
    // alarm on any MODIFY, cover the rest.
    const sealing = access.auditLog === 'seal';
    statements.push(
      new PolicyStatement({
        sid: sealing ? 'AccessLogAppendDigests' : 'AccessLogAppend',
        actions: ['dynamodb:PutItem'],
        resources: [targets.auditTableArn],
        conditions: {
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': sealing ? ['DIGEST', 'DIGEST#*'] : ['AE#*'] },
        },
      }),
    );
  }
  if (access.auditLog === 'stream') {
    statements.push(
      new PolicyStatement({
        sid: 'AccessLogStream',
        actions: [
          'dynamodb:DescribeStream',
          'dynamodb:GetRecords',
          'dynamodb:GetShardIterator',
          'dynamodb:ListStreams',
        ],
        resources: [targets.auditStreamArn],
      }),
    );
    // Writing the archive is granted beside the bucket, to the role its policy names
    // (infra/audit-chain.ts), not here.
  }
  if (access.auditLog === 'read' || access.auditLog === 'seal') {
    statements.push(
      new PolicyStatement({
        sid: 'AccessLogRead',
        // BatchGetItem: a patient's disclosure items are resolved to their events by key.
        actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
        resources: [targets.auditTableArn],
      }),
      ...indexQuery('AccessLogIndexQuery', targets.auditTableArn, targets.auditIndexNames),
    );
  }
  if (access.records || access.idempotencyRecords || appendsAudit || access.auditLog) {
    // The tables are encrypted at rest with the data key; DynamoDB unwraps the table key
    // with the caller's credentials. Only through DynamoDB: this opens no envelope.
    statements.push(
      new PolicyStatement({
        sid: 'TableKeyViaDynamoDB',
        actions: ['kms:Decrypt'],
        resources: [targets.dataKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${targets.region}.amazonaws.com` } },
      }),
    );
  }
  if (access.dataKey) {
    statements.push(
      new PolicyStatement({
        sid: 'RecordEnvelopes',
        actions:
          access.dataKey === 'encrypt-decrypt' ? ['kms:GenerateDataKey', 'kms:Decrypt'] : ['kms:Decrypt'],
        resources: [targets.dataKeyArn],
        conditions: { StringEquals: { 'kms:EncryptionContext:purpose': ENVELOPE_PURPOSE } },
      }),
    );
  }
  const reasonPurpose = { StringEquals: { 'kms:EncryptionContext:purpose': AUDIT_REASON_PURPOSE } };
  if (appendsAudit && access.records) {
    // A clinician's break-glass reason is sealed into the AuditEvent: a data key for that
    // purpose only, which opens no record payload and lets the function read no reason back.
    statements.push(
      new PolicyStatement({
        sid: 'BreakGlassReasonSeal',
        actions: ['kms:GenerateDataKey'],
        resources: [targets.dataKeyArn],
        conditions: reasonPurpose,
      }),
    );
  }
  if (access.auditReasons === 'decrypt') {
    statements.push(
      new PolicyStatement({
        sid: 'BreakGlassReasonOpen',
        actions: ['kms:Decrypt'],
        resources: [targets.dataKeyArn],
        conditions: reasonPurpose,
      }),
    );
  }
  if (access.indexKey) {
    statements.push(
      new PolicyStatement({
        sid: 'BlindIndexes',
        actions: ['kms:GenerateMac', 'kms:VerifyMac'],
        resources: [targets.indexKeyArn],
      }),
    );
  }
  if (access.binaries) {
    // Objects only: no ListBucket (ids are not to be enumerated), no DeleteObject (a Binary
    // is deleted logically, like every record). S3 uses the bucket's KMS key with the caller's
    // credentials: GenerateDataKey to put, Decrypt to get, only through S3 and for this bucket.
    const writes = access.binaries === 'write';
    statements.push(
      new PolicyStatement({
        sid: writes ? 'BinaryBodiesPut' : 'BinaryBodiesGet',
        actions: [writes ? 's3:PutObject' : 's3:GetObject'],
        resources: [`${targets.binaryBucketArn}/*`],
      }),
      new PolicyStatement({
        sid: 'BinaryBucketKeyViaS3',
        actions: [writes ? 'kms:GenerateDataKey' : 'kms:Decrypt'],
        resources: [targets.dataKeyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': `s3.${targets.region}.amazonaws.com`,
            'kms:EncryptionContext:aws:s3:arn': targets.binaryBucketArn,
          },
        },
      }),
    );
  }
  if (access.signingKey) {
    statements.push(
      new PolicyStatement({
        sid: 'AuditDigests',
        actions: access.signingKey === 'sign' ? ['kms:Sign'] : ['kms:Verify', 'kms:GetPublicKey'],
        resources: [targets.signingKeyArn],
      }),
    );
  }
  return statements;
}
