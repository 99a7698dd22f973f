/**
 * Bundled in place of `@aws-sdk/credential-provider-node` (see ./options.ts). The SDK's
 * default chain also knows SSO, shared ini files, credential processes and web identity
 * tokens: on Lambda none of them applies (the runtime puts the function role's credentials
 * in the environment), yet bundling them costs ~130 KB and ~30 ms of every cold start.
 * Lambda's environment first, then the container credentials endpoint (Lambda Managed
 * Instances, containers); nothing else.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { fromHttp } from '@aws-sdk/credential-provider-http';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';

type ProviderInit = Parameters<typeof fromEnv>[0] & Parameters<typeof fromHttp>[0];

const CONTAINER_URI_VARIABLES = [
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
];

export const defaultProvider =
  (init: ProviderInit = {}): AwsCredentialIdentityProvider =>
  async () => {
    if (!CONTAINER_URI_VARIABLES.some((name) => process.env[name])) return fromEnv(init)();
    try {
      return await fromEnv(init)();
    } catch {
      return fromHttp(init)();
    }
  };

/** The other two exports of the package, as it defines them. */
export const credentialsWillNeedRefresh = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined;

export const credentialsTreatedAsExpired = (credentials?: AwsCredentialIdentity): boolean =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
