import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import {
  AnyPrincipal,
  ArnPrincipal,
  Effect,
  ManagedPolicy,
  PolicyStatement,
  Role,
  ServicePrincipal,
} from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectLockRetention,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Days an archived item is locked: the audit retention (HIPAA's six years), as AUDIT_RETENTION_DAYS. */
export const ARCHIVE_RETENTION_DAYS = 2192;

export interface AuditChainProps {
  signingKey: Key;
  archiveKey: Key;
}

/**
 * What makes the access log tamper-evident beyond the table, kept with the keys in the
 * stateful stack so that the key and bucket policies can name the roles themselves:
 * - the seal job's role: the only principal the signing key lets sign (an explicit deny
 *   for every other principal, so no IAM policy or grant in the account can add one);
 * - the stream consumer's role: the only principal the archive bucket lets write;
 * - the archive: S3 Object Lock in compliance mode for the retention period (nobody, the
 *   root user included, can delete or shorten it), versioned, SSE-KMS with its own key,
 *   TLS only, public access blocked, and a policy that denies deletes to everyone.
 * The functions' permissions themselves are the managed policies the API stack attaches.
 */
export class AuditChain extends Construct {
  readonly sealRole: Role;
  readonly archiveRole: Role;
  readonly archive: Bucket;

  constructor(scope: Construct, id: string, props: AuditChainProps) {
    super(scope, id);
    const lambda = new ServicePrincipal('lambda.amazonaws.com');
    this.sealRole = new Role(this, 'SealRole', {
      assumedBy: lambda,
      description: 'functions/audit/seal.ts: the seal job, the only signer of access-log digests',
    });
    this.archiveRole = new Role(this, 'ArchiveRole', {
      assumedBy: lambda,
      description:
        'functions/audit/archive.ts: the stream consumer, the only writer of the access-log archive',
    });

    props.signingKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'SignOnlyBySealJob',
        principals: [new ArnPrincipal(this.sealRole.roleArn)],
        actions: ['kms:Sign'],
        resources: ['*'],
      }),
    );
    props.signingKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'NobodyElseSigns',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['kms:Sign'],
        resources: ['*'],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.sealRole.roleArn } },
      }),
    );
    props.archiveKey.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EncryptOnlyByStreamConsumer',
        principals: [new ArnPrincipal(this.archiveRole.roleArn)],
        actions: ['kms:GenerateDataKey'],
        resources: ['*'],
      }),
    );

    this.archive = new Bucket(this, 'Archive', {
      objectLockEnabled: true,
      objectLockDefaultRetention: ObjectLockRetention.compliance(Duration.days(ARCHIVE_RETENTION_DAYS)),
      versioned: true,
      encryption: BucketEncryption.KMS,
      encryptionKey: props.archiveKey,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.archive.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ArchiveIsWriteOnce',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: [
          's3:DeleteObject',
          's3:DeleteObjectVersion',
          's3:PutObjectRetention',
          's3:PutObjectLegalHold',
          's3:BypassGovernanceRetention',
          's3:PutBucketObjectLockConfiguration',
          's3:PutLifecycleConfiguration',
          's3:DeleteBucket',
        ],
        resources: [this.archive.bucketArn, this.archive.arnForObjects('*')],
      }),
    );
    this.archive.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OnlyTheStreamConsumerWrites',
        effect: Effect.DENY,
        principals: [new AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.archive.arnForObjects('*')],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': this.archiveRole.roleArn } },
      }),
    );
    // The stream consumer's one write grant, here so that its resource is this stack's bucket.
    const write = new ManagedPolicy(this, 'ArchiveWrite', {
      roles: [this.archiveRole],
      statements: [
        new PolicyStatement({
          sid: 'ArchiveWrite',
          actions: ['s3:PutObject'],
          resources: [this.archive.arnForObjects('*')],
        }),
        new PolicyStatement({
          sid: 'ArchiveKey',
          actions: ['kms:GenerateDataKey'],
          resources: [props.archiveKey.keyArn],
          conditions: { StringEquals: { 'kms:ViaService': `s3.${Stack.of(this).region}.amazonaws.com` } },
        }),
      ],
    });
    const stack = Stack.of(this);
    const bucketId = stack.resolve(stack.getLogicalId(this.archive.node.defaultChild as CfnElement));
    Validations.of(write).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/*]`,
      reason:
        'PutObject on any key of the archive bucket: the consumer names each object after the item it archives; nothing can be overwritten (If-None-Match, Object Lock).',
    });
    Validations.of(this.archive).acknowledge(
      {
        id: 'AwsSolutions-S1',
        reason:
          'S3 cannot deliver server access logs from or into an Object Lock bucket usefully here: every write is by one role, recorded by CloudTrail; reads are for auditors through IAM.',
      },
      {
        id: 'HIPAA.Security-S3BucketLoggingEnabled',
        reason:
          'Every write is made by the stream consumer role and recorded by CloudTrail; an access-log bucket would need its own retention and would not add evidence the Object Lock archive lacks.',
      },
      {
        id: 'HIPAA.Security-S3BucketReplicationEnabled',
        reason:
          'The archive is the second copy of the access log (the table, its PITR and six-year AWS Backup plan are the first); cross-region replication is a deployment choice left to the operator.',
      },
    );
  }
}
