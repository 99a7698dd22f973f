import { join } from 'node:path';
import type { RouteAccess } from '../../shared/routes.ts';

/**
 * How every function is bundled, in one place: the CDK stack (infra/route-function.ts) and
 * the benchmarks (bench/bundle.ts) build the same files from it.
 *
 * The AWS SDK is bundled, not taken from the Lambda runtime: the runtime's copy is CommonJS
 * with every command of a service in one file (importing @aws-sdk/client-dynamodb and
 * client-kms from it costs ~140 ms of CPU here), while esbuild keeps only the commands a
 * function sends from the SDK's ES modules. It also pins the SDK version to package-lock.json.
 */
export const LAMBDA_TARGET = 'node24';

/** esbuild cannot bundle CommonJS `require` calls into ESM without a `require` in scope. */
export const CJS_REQUIRE_BANNER =
  "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Packages replaced at bundle time by a module of ours (each file says why), for a function
 * with the given access: only a function that invokes other functions (Lambda's client has
 * streaming operations) keeps the SDK's event-stream code.
 */
export function lambdaAliases(
  projectRoot: string,
  access: Pick<RouteAccess, 'invokeRoutes'>,
): Record<string, string> {
  return {
    ...(access.invokeRoutes
      ? {}
      : { '@smithy/core/event-streams': join(projectRoot, 'infra/bundle/no-event-streams.ts') }),
    '@aws-sdk/credential-provider-node': join(projectRoot, 'infra/bundle/lambda-credentials.ts'),
    'asn1.js': join(projectRoot, 'infra/bundle/asn1-unsupported.ts'),
    'bn.js': join(projectRoot, 'infra/bundle/bn.ts'),
    'readable-stream': join(projectRoot, 'infra/bundle/readable-stream.ts'),
  };
}
