import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { BackupPlan, BackupPlanRule, BackupResource, BackupVault } from 'aws-cdk-lib/aws-backup';
import {
  AttributeType,
  Billing,
  type GlobalSecondaryIndexPropsV2,
  ProjectionType,
  StreamViewType,
  TableEncryptionV2,
  TableV2,
} from 'aws-cdk-lib/aws-dynamodb';
import { Schedule } from 'aws-cdk-lib/aws-events';
import { AnyPrincipal, Effect, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { auditTable, recordsTable, type TableDef } from '../shared/tables.ts';

export interface RecordsStorageProps {
  dataKey: IKey;
  stage: string;
}

/**
 * The export of the Binary bucket's ARN, named rather than generated: the route policies'
 * object wildcard is acknowledged by the name cdk-nag reports (infra/route-group.ts).
 */
export const binaryBucketExportName = (stage: string): string => `FhirRecords-${stage}-BinaryBucketArn`;

/**
 * The two tables, built from `shared/tables.ts` so that DynamoDB Local and AWS serve the
 * same keys and indexes, their backups, and the bucket of Binary bodies.
 */
export class RecordsStorage extends Construct {
  readonly records: TableV2;
  readonly auditLog: TableV2;
  /** Binary bodies (attachments): objects the routes with `binaries` put and get. */
  readonly binaries: Bucket;
  /** The bucket's ARN for other stacks: an import of `binaryBucketExportName`. */
  readonly binariesArnImport: string;

  constructor(scope: Construct, id: string, props: RecordsStorageProps) {
    super(scope, id);
    this.records = tableFrom(this, recordsTable, props.dataKey);
    this.auditLog = tableFrom(this, auditTable, props.dataKey, appendOnlyPolicy());

    // The bodies are envelope-encrypted by the functions already (AWS Encryption SDK, data
    // key, context bound to the Binary); SSE-KMS with the same key covers the object at rest
    // with a key the account controls. A bucket key: one KMS call per bucket key period, not
    // one per object. Versioned: an overwrite or a delete by someone outside the routes (which
    // can neither) leaves the earlier body recoverable.
    this.binaries = new Bucket(this, 'Binaries', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.dataKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.binariesArnImport = Stack.of(this).exportValue(this.binaries.bucketArn, {
      name: binaryBucketExportName(props.stage),
    });
    Validations.of(this.binaries).acknowledge(
      {
        id: 'AwsSolutions-S1',
        reason:
          "Every read and write of a Binary body goes through its route's function, which authorizes it and records an AuditEvent (who, which patient, outcome) in the append-only access log: a fuller access record than S3 server access logs, which would name object keys only.",
      },
      {
        id: 'HIPAA.Security-S3BucketLoggingEnabled',
        reason:
          "Access to Binary bodies is logged by the application's AuditEvents (one per access, in the append-only, sealed access log) and IAM changes by CloudTrail; S3 server access logs would need a bucket of their own without adding who accessed which patient's attachment.",
      },
      {
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'The bucket is versioned, retained with the stack, and its objects are envelope-encrypted; cross-region replication (and a replica key) is a deployment choice left to the operator, as for the tables.',
      },
    );

    // PITR covers 35 days of operator error; the plan keeps monthly recovery points for
    // the six years HIPAA asks documentation to be kept, in a vault that cannot be
    // deleted with the stack.
    const vault = new BackupVault(this, 'Vault', {
      encryptionKey: props.dataKey,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const plan = new BackupPlan(this, 'Plan', {
      backupVault: vault,
      backupPlanRules: [
        new BackupPlanRule({
          ruleName: 'Daily35Days',
          scheduleExpression: Schedule.cron({ hour: '5', minute: '0' }),
          deleteAfter: Duration.days(35),
        }),
        new BackupPlanRule({
          ruleName: 'MonthlySixYears',
          scheduleExpression: Schedule.cron({ day: '1', hour: '5', minute: '0' }),
          deleteAfter: Duration.days(2192),
        }),
      ],
    });
    const selection = plan.addSelection('Tables', {
      resources: [
        BackupResource.fromDynamoDbTable(this.records),
        BackupResource.fromDynamoDbTable(this.auditLog),
      ],
    });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason:
        "AWS Backup's own service-role policy for taking backups, maintained by AWS; the selection names only the two tables.",
    });
  }
}

/**
 * The access log is append-only for everyone: application roles get PutItem (with
 * attribute_not_exists) and nothing else, and this resource policy also denies updates
 * and deletes of items to every principal, administrators included, so that no IAM
 * policy added later can open it. There is deliberately no break-glass exception role:
 * removing an AuditEvent (a court order, say) takes a change of this table policy, which
 * is a reviewed deployment and a CloudTrail control-plane event, not a quiet data-plane
 * call. TTL expiry after the retention period is done by DynamoDB itself and is not
 * affected. (`*` as the resource: a table policy cannot name its own ARN in
 * CloudFormation; it applies to this table and its indexes only.)
 */
function appendOnlyPolicy(): PolicyDocument {
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: 'AccessLogIsAppendOnly',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [
          'dynamodb:UpdateItem',
          'dynamodb:DeleteItem',
          'dynamodb:BatchWriteItem',
          'dynamodb:PartiQLUpdate',
          'dynamodb:PartiQLDelete',
        ],
        resources: ['*'],
      }),
    ],
  });
}

/** DynamoDB's default quota of global secondary indexes per table. */
const GSI_MAX = 20;

function tableFrom(scope: Construct, def: TableDef, dataKey: IKey, resourcePolicy?: PolicyDocument): TableV2 {
  // A new table gets all its indexes at once; on an existing table CloudFormation adds one GSI
  // per update, so more than one new index in shared/tables.ts takes as many deployments.
  if (def.indexes.length > GSI_MAX) {
    throw new Error(`table ${def.logicalName}: ${def.indexes.length} indexes; DynamoDB allows ${GSI_MAX}`);
  }
  const key = (name: string) => ({ name, type: AttributeType.STRING });
  const globalSecondaryIndexes: GlobalSecondaryIndexPropsV2[] = def.indexes.map((index) => ({
    indexName: index.name,
    partitionKey: key(index.partitionKey),
    ...(index.sortKey ? { sortKey: key(index.sortKey) } : {}),
    projectionType: index.projection === 'ALL' ? ProjectionType.ALL : ProjectionType.KEYS_ONLY,
  }));
  return new TableV2(scope, def.logicalName, {
    partitionKey: key(def.partitionKey),
    ...(def.sortKey ? { sortKey: key(def.sortKey) } : {}),
    ...(def.timeToLiveAttribute ? { timeToLiveAttribute: def.timeToLiveAttribute } : {}),
    ...(def.stream === 'NEW_AND_OLD_IMAGES' ? { dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES } : {}),
    globalSecondaryIndexes,
    billing: Billing.onDemand(),
    encryption: TableEncryptionV2.customerManagedKey(dataKey),
    pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    deletionProtection: true,
    removalPolicy: RemovalPolicy.RETAIN,
    ...(resourcePolicy ? { resourcePolicy } : {}),
  });
}
