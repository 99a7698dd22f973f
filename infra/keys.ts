import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key, KeySpec, KeyUsage } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { HMAC_USE, keyPolicy, SIGNING_USE, SYMMETRIC_USE } from './key-policy.ts';

export interface RecordsKeysProps {
  stage: string;
}

/**
 * The customer-managed keys of one stage. Each key has one job, so that a role's grant on
 * one says exactly what the role can do: seal records, compute blind indexes, sign audit
 * digests, or (CloudWatch Logs only) encrypt log groups.
 */
export class RecordsKeys extends Construct {
  /** Envelope encryption of FHIR payloads, and the tables' encryption at rest. */
  readonly dataKey: Key;
  /** HMAC-SHA256 for blind indexes and cursor MACs. */
  readonly indexKey: Key;
  /** ECDSA P-256 signatures over the hourly audit digests. */
  readonly signingKey: Key;
  /** RSA signatures (RS384) of the access tokens the SMART token function issues to backend services. */
  readonly tokenKey: Key;
  /** CloudWatch Logs encryption of every log group of the stage. */
  readonly logsKey: Key;
  /** The access log's Object Lock archive (S3 SSE-KMS). */
  readonly archiveKey: Key;

  constructor(scope: Construct, id: string, props: RecordsKeysProps) {
    super(scope, id);
    const { region, account, partition } = Stack.of(this);
    const pendingWindow = Duration.days(30);

    this.dataKey = new Key(this, 'DataKey', {
      description: `fhir-records ${props.stage}: envelope encryption of records and tables`,
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: keyPolicy(this, SYMMETRIC_USE),
    });

    // HMAC and asymmetric keys cannot rotate automatically: see infra/README-deploy.md.
    this.indexKey = new Key(this, 'IndexKey', {
      description: `fhir-records ${props.stage}: blind indexes (HMAC-SHA256)`,
      keySpec: KeySpec.HMAC_256,
      keyUsage: KeyUsage.GENERATE_VERIFY_MAC,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: keyPolicy(this, HMAC_USE),
    });

    this.signingKey = new Key(this, 'SigningKey', {
      description: `fhir-records ${props.stage}: audit digest signatures (ECDSA P-256)`,
      keySpec: KeySpec.ECC_NIST_P256,
      keyUsage: KeyUsage.SIGN_VERIFY,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      // kms:Sign is not delegated to IAM: the key policy names the seal job's role alone
      // (infra/audit-chain.ts adds that statement and a deny for everyone else).
      policy: keyPolicy(
        this,
        SIGNING_USE.filter((action) => action !== 'kms:Sign'),
      ),
    });

    // Asymmetric: the authorizer verifies with the public half (kms:GetPublicKey), and only the
    // token function's role is granted kms:Sign (infra/smart-endpoints.ts). RSA for RS384, the
    // algorithm SMART Backend Services names first; 2048 bits keeps each Sign call cheap.
    this.tokenKey = new Key(this, 'TokenKey', {
      description: `fhir-records ${props.stage}: SMART backend access tokens (RSA, RS384)`,
      keySpec: KeySpec.RSA_2048,
      keyUsage: KeyUsage.SIGN_VERIFY,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: keyPolicy(this, ['kms:Sign', 'kms:GetPublicKey']),
    });

    // Readers of the archive (auditors) decrypt through IAM; only the stream consumer's role
    // may encrypt into it (added by infra/audit-chain.ts).
    this.archiveKey = new Key(this, 'ArchiveKey', {
      description: `fhir-records ${props.stage}: access-log archive (S3 Object Lock)`,
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: keyPolicy(this, ['kms:Decrypt']),
    });

    this.logsKey = new Key(this, 'LogsKey', {
      description: `fhir-records ${props.stage}: CloudWatch Logs`,
      enableKeyRotation: true,
      pendingWindow,
      removalPolicy: RemovalPolicy.RETAIN,
      policy: keyPolicy(
        this,
        [],
        [
          new PolicyStatement({
            sid: 'CloudWatchLogsOfThisAccount',
            principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
            actions: [
              'kms:Encrypt',
              'kms:Decrypt',
              'kms:ReEncryptFrom',
              'kms:ReEncryptTo',
              'kms:GenerateDataKey',
              'kms:GenerateDataKeyWithoutPlaintext',
              'kms:DescribeKey',
            ],
            resources: ['*'],
            conditions: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:log-group:*`,
              },
            },
          }),
        ],
      ),
    });
  }
}
