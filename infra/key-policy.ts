import { Stack } from 'aws-cdk-lib';
import { AccountRootPrincipal, PolicyDocument, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * Key administration, spelled out instead of CDK's default `kms:*` for the account: the
 * account (i.e. IAM policies in it) may manage the key's lifecycle and grants, but use
 * of the key is delegated to IAM only for the operations listed per key.
 */
const ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:CreateGrant',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
];

export const SYMMETRIC_USE = [
  'kms:Encrypt',
  'kms:Decrypt',
  'kms:ReEncryptFrom',
  'kms:ReEncryptTo',
  'kms:GenerateDataKey',
  'kms:GenerateDataKeyWithoutPlaintext',
];
export const HMAC_USE = ['kms:GenerateMac', 'kms:VerifyMac'];
export const SIGNING_USE = ['kms:Sign', 'kms:Verify', 'kms:GetPublicKey'];

/**
 * A key policy that lets the account administer the key and lets IAM policies (and
 * nothing broader) grant `use`; `extra` adds service principals (logs, CloudWatch).
 */
export function keyPolicy(
  scope: Construct,
  use: readonly string[],
  extra: PolicyStatement[] = [],
): PolicyDocument {
  const account = new AccountRootPrincipal();
  return new PolicyDocument({
    statements: [
      new PolicyStatement({
        sid: 'KeyAdministration',
        principals: [account],
        actions: ADMIN_ACTIONS,
        resources: ['*'],
      }),
      ...(use.length > 0
        ? [
            new PolicyStatement({
              sid: 'UseDelegatedToIam',
              principals: [account],
              actions: [...use],
              resources: ['*'],
              conditions: { StringEquals: { 'kms:CallerAccount': Stack.of(scope).account } },
            }),
          ]
        : []),
      ...extra,
    ],
  });
}
