import { CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { EventSourceMapping, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { batchInvokable } from '../shared/http/dispatch.ts';
import type { JobDef, RouteDef } from '../shared/routes.ts';
import { auditTable, recordsTable } from '../shared/tables.ts';
import { type AccessTargets, jobAccess } from './access.ts';
import { RecordsApi } from './api.ts';
import type { AuditChain } from './audit-chain.ts';
import { Identity } from './identity.ts';
import type { RecordsKeys } from './keys.ts';
import { type MonitoredFunction, Monitoring } from './monitoring.ts';
import { FUNCTION_NAME_MAX, RouteFunction } from './route-function.ts';
import { guardStackLimits, RouteGroup, routeGroupOf } from './route-group.ts';
import { ApiAuthorizer, SmartEndpoints } from './smart-endpoints.ts';
import { SmartLogin } from './smart-login.ts';
import { pascalCaseOf, type StageConfig } from './stage.ts';
import type { RecordsStorage } from './storage.ts';
import { ApiFirewall } from './waf.ts';

export interface ApiStackProps extends StackProps {
  stage: StageConfig;
  keys: RecordsKeys;
  storage: RecordsStorage;
  /** The access log's archive and the roles the key and bucket policies name. */
  auditChain: AuditChain;
  /** The route table's entries (shared/routes.ts). */
  routes: readonly (readonly [string, RouteDef])[];
  /** Scheduled jobs (shared/routes.ts `jobs`). */
  jobs: readonly (readonly [string, JobDef])[];
  /** Repository root: where handler files and package-lock.json are. */
  projectRoot: string;
}

/**
 * The stateless part: user pool, one function per route and job, the REST API with its
 * WAF, and the alarms. Can be destroyed and redeployed without touching data.
 */
export class ApiStack extends Stack {
  readonly identity: Identity;
  readonly api: RecordsApi;
  readonly routeFunctions: ReadonlyMap<string, RouteFunction>;
  /** The nested stacks of the routes, by resource type (`System` for the server's own routes). */
  readonly routeGroups: ReadonlyMap<string, RouteGroup>;
  readonly jobFunctions: ReadonlyMap<string, RouteFunction>;
  readonly monitoring: Monitoring;
  readonly smartLogin: SmartLogin;
  readonly authorizer: ApiAuthorizer;
  readonly smartEndpoints: SmartEndpoints;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    guardStackLimits(this);
    const { stage, keys, storage, auditChain } = props;
    const auditStreamArn = storage.auditLog.tableStreamArn;
    if (!auditStreamArn) throw new Error('the access log table has no stream');

    const targets: AccessTargets = {
      region: this.region,
      recordsTableArn: storage.records.tableArn,
      recordsIndexNames: recordsTable.indexes.map((index) => index.name),
      auditTableArn: storage.auditLog.tableArn,
      auditIndexNames: auditTable.indexes.map((index) => index.name),
      dataKeyArn: keys.dataKey.keyArn,
      indexKeyArn: keys.indexKey.keyArn,
      signingKeyArn: keys.signingKey.keyArn,
      auditStreamArn,
      binaryBucketArn: storage.binariesArnImport,
    };
    // What shared/config.ts reads.
    const environment = {
      STAGE: stage.stage,
      RECORDS_TABLE: storage.records.tableName,
      AUDIT_TABLE: storage.auditLog.tableName,
      KEY_SOURCE: 'kms',
      DATA_KEY_ARN: keys.dataKey.keyArn,
      INDEX_KEY_ARN: keys.indexKey.keyArn,
      SIGNING_KEY_ARN: keys.signingKey.keyArn,
      CORS_ORIGINS: stage.portalOrigin.join(','),
      SEAL_INTERVAL_MINUTES: String(stage.sealIntervalMinutes),
    };
    const common = {
      targets,
      environment,
      logsKey: keys.logsKey,
      reservedConcurrency: stage.reservedConcurrency,
      memorySize: stage.memorySize,
      projectRoot: props.projectRoot,
    };

    this.identity = new Identity(this, 'Identity', { stage });

    const jobFunctions = new Map<string, RouteFunction>();
    for (const [jobId, def] of props.jobs) {
      const deadLetters = new Queue(this, `Job-${jobId}-DeadLetters`, {
        encryption: QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
      Validations.of(deadLetters).acknowledge({
        id: 'AwsSolutions-SQS3',
        reason:
          "This queue is the dead-letter queue of the job's Lambda function (asynchronous invocations); a dead-letter queue needs no queue of its own.",
      });
      const sealing = def.access.auditLog === 'seal';
      const streaming = def.access.auditLog === 'stream';
      const schedule = sealing ? `rate(${stage.sealIntervalMinutes} minutes)` : def.schedule;
      const job = new RouteFunction(this, `Job-${jobId}`, {
        ...common,
        handler: def.handler,
        description: `job ${jobId} (${schedule ?? 'access-log stream'}): ${def.summary}`,
        grants: jobAccess(jobId, def),
        timeout: Duration.minutes(5),
        deadLetterQueue: deadLetters,
        ...(sealing ? { role: auditChain.sealRole } : {}),
        ...(streaming
          ? {
              role: auditChain.archiveRole,
              environment: { ...environment, AUDIT_ARCHIVE_BUCKET: auditChain.archive.bucketName },
            }
          : {}),
      });
      if (schedule) {
        new Rule(this, `Job-${jobId}-Schedule`, {
          schedule: Schedule.expression(schedule),
          targets: [new LambdaFunction(job.function, { retryAttempts: 2, maxEventAge: Duration.hours(1) })],
        });
      }
      if (streaming) {
        // In order, from the oldest record kept (24 h), retried until it succeeds or the
        // record ages out into the dead-letter queue (with the failing batch's position).
        new EventSourceMapping(this, `Job-${jobId}-Stream`, {
          target: job.function,
          eventSourceArn: auditStreamArn,
          startingPosition: StartingPosition.TRIM_HORIZON,
          batchSize: 100,
          bisectBatchOnError: true,
          retryAttempts: 10_000,
          onFailure: new SqsDlq(deadLetters),
        });
      }
      jobFunctions.set(jobId, job);
    }
    this.jobFunctions = jobFunctions;

    const smartFunctions = {
      targets,
      logsKey: keys.logsKey,
      reservedConcurrency: stage.reservedConcurrency,
      memorySize: stage.memorySize,
      projectRoot: props.projectRoot,
    };
    this.authorizer = new ApiAuthorizer(this, 'ApiAuthorizer', {
      identity: this.identity,
      tokenKey: keys.tokenKey,
      functions: smartFunctions,
    });
    this.api = new RecordsApi(this, 'Api', { stage, logsKey: keys.logsKey });
    // From the API's id, not its URL: the URL names the deployment stage, which depends on
    // every method, the token endpoint's among them (a cycle).
    const fhirBase = stage.customDomain
      ? `https://${stage.customDomain}`
      : `https://${this.api.api.restApiId}.execute-api.${this.region}.${this.urlSuffix}/${stage.stage}`;
    this.authorizer.trustBackendTokensOf(fhirBase);
    this.smartEndpoints = new SmartEndpoints(this, 'SmartEndpoints', {
      api: this.api.api,
      identity: this.identity,
      stage,
      fhirBase,
      tokenKey: keys.tokenKey,
      recordsTable: { tableArn: storage.records.tableArn, tableName: storage.records.tableName },
      dataKeyArn: keys.dataKey.keyArn,
      functions: smartFunctions,
    });

    this.smartLogin = new SmartLogin(this, 'SmartLogin', {
      api: this.api.api,
      identity: this.identity,
      stage,
      functions: smartFunctions,
    });

    new ApiFirewall(this, 'Firewall', {
      stage: this.api.api.deploymentStage,
      logsKey: keys.logsKey,
      rateLimit: stage.wafRateLimit,
    });

    const monitored: MonitoredFunction[] = [
      ...[...jobFunctions].map(([fnId, fn]) => ({
        id: `Job-${fnId}`,
        function: fn.function,
        logGroup: fn.logGroup,
        seals: props.jobs.some(([jobId, def]) => jobId === fnId && def.access.auditLog === 'seal'),
        archives: props.jobs.some(([jobId, def]) => jobId === fnId && def.access.auditLog === 'stream'),
      })),
      // A failing trigger fails every sign-in; a throttled one too.
      ...[
        this.smartLogin.preTokenGeneration,
        this.smartLogin.authorize,
        this.authorizer.function,
        this.smartEndpoints.token,
        this.smartEndpoints.introspect,
        this.smartEndpoints.revoke,
        this.smartEndpoints.configuration,
      ].map((fn) => ({
        id: `Smart-${fn.node.id}`,
        function: fn.function,
        logGroup: fn.logGroup,
        seals: false,
        archives: false,
      })),
    ];
    this.monitoring = new Monitoring(this, 'Monitoring', {
      stage: stage.stage,
      api: this.api.api,
      functions: monitored,
      alarmEmail: stage.alarmEmail,
    });

    // The routes, one nested stack per resource type (infra/route-group.ts): with ~10
    // resources a route, this stack alone would pass CloudFormation's 500 resources.
    // The stacks' own prefix (infra/records-app.ts): names of one stage stay apart from another's.
    const functionPrefix = `FhirRecords-${stage.stage}-`;
    const longest = props.routes.reduce(
      (max, [routeId]) => (routeId.length > max.length ? routeId : max),
      '',
    );
    if (functionPrefix.length + longest.length > FUNCTION_NAME_MAX) {
      throw new Error(
        `stage ${stage.stage}: the function name ${functionPrefix}${longest} would pass Lambda's ${FUNCTION_NAME_MAX} characters; with route ids of ${longest.length} characters a stage name may have ${FUNCTION_NAME_MAX - longest.length - 'FhirRecords--'.length}`,
      );
    }
    const groups = new Map<string, (readonly [string, RouteDef])[]>();
    for (const entry of props.routes) {
      const group = routeGroupOf(entry[1]);
      groups.set(group, [...(groups.get(group) ?? []), entry]);
    }
    const routeGroups = new Map<string, RouteGroup>();
    for (const [group, entries] of groups) {
      routeGroups.set(
        group,
        new RouteGroup(this, `Routes-${group}`, {
          description: `FHIR records backend (${stage.stage}): the ${group} routes`,
          stage,
          routes: entries,
          api: this.api.api,
          validator: this.api.validator,
          authorizer: () => this.authorizer.authorizer,
          functions: common,
          functionPrefix,
          binaryBucketName: storage.binaries.bucketName,
          monitoring: this.monitoring,
        }),
      );
    }
    this.routeGroups = routeGroups;
    this.routeFunctions = new Map(
      props.routes.map(([routeId, def]) => [
        routeId,
        required(routeGroups.get(routeGroupOf(def))?.functions.get(routeId)),
      ]),
    );

    // The batch endpoint invokes the functions of authenticated routes (not other invokers:
    // a batch does not nest), each of which authorizes and audits its entry itself.
    const invokable = props.routes.filter(([, def]) => batchInvokable(def)).map(([routeId]) => routeId);
    for (const [routeId, def] of props.routes) {
      if (def.access.invokeRoutes) {
        required(this.routeFunctions.get(routeId)).allowInvoking(functionPrefix, invokable);
      }
    }

    new CfnOutput(this, 'ApiUrl', { value: this.api.api.url, description: 'Base URL of the FHIR API' });
    new CfnOutput(this, 'UserPoolId', { value: this.identity.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: this.identity.client.userPoolClientId });
    new CfnOutput(this, 'ManagedLoginUrl', {
      value: this.identity.domain.baseUrl(),
      description: 'Cognito managed login behind the SMART authorization endpoint',
    });
    for (const { app, client } of this.identity.smartClients) {
      new CfnOutput(this, `SmartClientId${pascalCaseOf(app.name)}`, {
        value: client.userPoolClientId,
        description: `SMART app ${app.name}: its client_id`,
      });
    }
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    if (this.api.domain) {
      new CfnOutput(this, 'CustomDomainTarget', {
        value: this.api.domain.domainNameAliasDomainName,
        description: `CNAME/alias target for ${stage.customDomain}`,
      });
    }
  }
}

function required<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('route function missing');
  return value;
}
