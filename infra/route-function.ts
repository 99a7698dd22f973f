import { join } from 'node:path';
import { ArnFormat, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { ManagedPolicy, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { routeFunctionName } from '../shared/http/dispatch.ts';
import { type AccessTargets, accessStatements, type FunctionAccess } from './access.ts';
import { CJS_REQUIRE_BANNER, LAMBDA_TARGET, lambdaAliases } from './bundle/options.ts';

export interface RouteFunctionProps {
  /** Handler module relative to `projectRoot`; it exports `handler`. */
  handler: string;
  description: string;
  grants: FunctionAccess;
  targets: AccessTargets;
  logsKey: IKey;
  environment: Record<string, string>;
  reservedConcurrency: number;
  memorySize: number;
  /** Defaults to 10 s: an API Gateway integration gives up at 29 s anyway. */
  timeout?: Duration;
  /** Where `handler` and `package-lock.json` are. */
  projectRoot: string;
  /** Only for asynchronously invoked functions (scheduled jobs). */
  deadLetterQueue?: IQueue;
  /** Why a function without a dead-letter queue needs none; defaults to the API Gateway routes' reason. */
  synchronousInvocation?: string;
  /** A role made elsewhere, for functions that a key or bucket policy names (infra/audit-chain.ts). */
  role?: Role;
  /**
   * A physical name, for route functions only (`FhirRecords-<stage>-<routeId>`): see
   * `allowInvoking`. Everything else keeps the names CloudFormation generates.
   */
  functionName?: string;
}

/**
 * One Lambda function of the route table (or a job), with what every function of this
 * backend has: Node 24 on ARM, an ESM bundle with source maps, active tracing, its own
 * KMS-encrypted log group kept six years, reserved concurrency, and a role whose only
 * policy is built from the declared access.
 */
export class RouteFunction extends Construct {
  readonly function: NodejsFunction;
  readonly logGroup: LogGroup;
  readonly role: Role;
  readonly policy: ManagedPolicy;
  /** The environment given at construction (synth-time values and tokens). */
  readonly environment: Readonly<Record<string, string>>;

  constructor(scope: Construct, id: string, props: RouteFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      encryptionKey: props.logsKey,
      retention: RetentionDays.SIX_YEARS,
      // Access and error records are HIPAA documentation: they outlive the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.role =
      props.role ??
      new Role(this, 'Role', {
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: cloudFormationText(`${props.handler}: ${props.description}`, 1000),
      });
    // A customer-managed policy rather than the role's inline default policy, and no
    // AWSLambdaBasicExecutionRole: logs are granted on this function's log group only.
    this.policy = new ManagedPolicy(this, 'Policy', {
      roles: [this.role],
      statements: [
        new PolicyStatement({
          sid: 'OwnLogGroup',
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [this.logGroup.logGroupArn],
        }),
        new PolicyStatement({
          sid: 'XRayTraces',
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
        ...(props.deadLetterQueue
          ? [
              new PolicyStatement({
                sid: 'DeadLetters',
                actions: ['sqs:SendMessage'],
                resources: [props.deadLetterQueue.queueArn],
              }),
            ]
          : []),
        ...accessStatements(props.targets, props.grants),
      ],
    });
    Validations.of(this.policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Only xray:PutTraceSegments and xray:PutTelemetryRecords use Resource *: X-Ray has no resource-level permissions for them. Every data and key grant names its table, index or key.',
    });

    // No NODE_OPTIONS=--enable-source-maps: Node would parse each bundle's source map
    // (~750 KB) at every cold start (~25 ms here), for stack traces our logs never carry
    // (they name errors only). The maps stay in the asset to decode a trace by hand.
    this.environment = { ...props.environment };
    if (props.functionName !== undefined && !FUNCTION_NAME.test(props.functionName)) {
      throw new Error(
        `${this.node.path}: the function name ${props.functionName} (${props.functionName.length} characters) is not a Lambda function name of at most ${FUNCTION_NAME_MAX} letters, digits, - and _`,
      );
    }
    this.function = new NodejsFunction(this, 'Function', {
      ...(props.functionName !== undefined ? { functionName: props.functionName } : {}),
      entry: join(props.projectRoot, props.handler),
      handler: 'handler',
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      description: cloudFormationText(props.description, 256),
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout ?? Duration.seconds(10),
      tracing: Tracing.ACTIVE,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      // Immutable: the construct must not add statements (X-Ray, DLQ) to an inline
      // policy; the managed policy above already holds them.
      role: this.role.withoutPolicyUpdates(),
      reservedConcurrentExecutions: props.reservedConcurrency,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      environment: { ...this.environment },
      awsSdkConnectionReuse: false,
      bundling: {
        format: OutputFormat.ESM,
        target: LAMBDA_TARGET,
        mainFields: ['module', 'main'],
        banner: CJS_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // The SDK is bundled (tree-shaken) rather than taken from the runtime: see bundle/options.ts.
        externalModules: [],
        esbuildArgs: Object.fromEntries(
          Object.entries(lambdaAliases(props.projectRoot, props.grants.access)).map(([name, file]) => [
            `--alias:${name}`,
            file,
          ]),
        ),
        forceDockerBundling: false,
      },
    });
    this.function.node.addDependency(this.policy);

    Validations.of(this.function).acknowledge({
      id: 'HIPAA.Security-LambdaInsideVPC',
      reason:
        'The function reaches only DynamoDB, KMS, X-Ray and CloudWatch Logs, all over TLS with IAM-signed requests; there is no VPC resource to reach, and a VPC would add NAT or endpoints without narrowing who can call these APIs.',
    });
    if (!props.deadLetterQueue) {
      Validations.of(this.function).acknowledge({
        id: 'HIPAA.Security-LambdaDLQ',
        reason:
          props.synchronousInvocation ??
          'Invoked synchronously by API Gateway only: a failure is returned to the caller as an OperationOutcome and recorded in the access log; there is no asynchronous event to dead-letter.',
      });
    }
  }

  /**
   * For routes that declare `invokeRoutes` (the batch endpoint): InvokeFunction on exactly
   * the given routes' functions, and their common name prefix in `ROUTE_FUNCTION_PREFIX`
   * (shared/config.ts), from which the function builds a route's function name.
   *
   * Route functions have physical names, against CDK's advice (a name blocks replacement,
   * and two stages in one account must not share it) for one reason: the batch function
   * must find ~100 functions, and a map of generated names in its environment outgrows
   * Lambda's 4 KB limit for environment variables (and would reference a function in every
   * nested stack). The stage in the name keeps stages apart; no route function needs a
   * replacement that keeps its name.
   */
  allowInvoking(functionPrefix: string, routeIds: readonly string[]): void {
    const stack = Stack.of(this);
    this.function.addEnvironment('ROUTE_FUNCTION_PREFIX', functionPrefix);
    this.policy.addStatements(
      new PolicyStatement({
        sid: 'InvokeRoutes',
        actions: ['lambda:InvokeFunction'],
        resources: routeIds.map((routeId) =>
          stack.formatArn({
            service: 'lambda',
            resource: 'function',
            resourceName: routeFunctionName(functionPrefix, routeId),
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ),
      }),
    );
  }
}

/** Lambda's function names: at most 64 letters, digits, hyphens and underscores. */
export const FUNCTION_NAME_MAX = 64;
const FUNCTION_NAME = new RegExp(`^[A-Za-z0-9_-]{1,${FUNCTION_NAME_MAX}}$`);

/** IAM and Lambda descriptions accept Latin-1 only: route summaries may hold typographic quotes. */
function cloudFormationText(text: string, maxLength: number): string {
  return text
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201C\u201D]/g, '"')
    .replace(/[\u2013\u2014]/g, '-')
    .replace(/[^\t\n\r\u0020-\u007E\u00A1-\u00FF]/g, '?')
    .slice(0, maxLength);
}
