import { KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config.ts';

let kms: KMSClient | undefined;

/**
 * The container's one KMS client (data key, index key, signing key all use it), created on
 * first use so that local runs never build one.
 */
export function kmsClient(): KMSClient {
  kms ??= new KMSClient({ region: config().AWS_REGION, maxAttempts: 3 });
  return kms;
}
