import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AUDIT_TAMPER_MESSAGE } from '../shared/audit/stream.ts';
import { keyPolicy, SYMMETRIC_USE } from './key-policy.ts';

/** Custom metrics of the backend. */
export const METRIC_NAMESPACE = 'FhirRecords';
export const BREAK_GLASS_METRIC = 'BreakGlassAccess';
export const AUDIT_WRITE_FAILURE_METRIC = 'AuditWriteFailures';
/** The exact message shared/http/route.ts logs when an AuditEvent cannot be written. */
export const AUDIT_WRITE_FAILED_MESSAGE = 'audit write failed';
/** Every change or early removal of an access-log item (shared/audit/stream.ts). */
export const AUDIT_TAMPER_METRIC = 'AccessLogTampering';

export interface MonitoredFunction {
  id: string;
  function: IFunction;
  logGroup: ILogGroup;
  /** Seal jobs: their errors mean an hour of the access log is not sealed. */
  seals: boolean;
  /** The stream consumer: its tampering lines are the AccessLogTampering metric. */
  archives: boolean;
}

export interface MonitoringProps {
  stage: string;
  api: RestApi;
  functions: readonly MonitoredFunction[];
  alarmEmail?: string | undefined;
}

/**
 * Alarms to an encrypted SNS topic (and optionally an email). Two alarms read custom
 * metrics that come from metric filters on the function log groups, not from EMF:
 * - `FhirRecords/BreakGlassAccess`: every structured log line with `"breakGlass": true`
 *   (the line the repository writes when a clinician reads with a break-glass reason);
 * - `FhirRecords/AuditWriteFailures`: every line with `"message": "audit write failed"`.
 * Metric filters keep the functions free of metric code and count lines that are already
 * written for the log reader; the price is that the metric has no per-route dimension
 * (the log line says which route).
 */
export class Monitoring extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];
  private readonly action: SnsAction;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);

    const topicKey = new Key(this, 'TopicKey', {
      description: `fhir-records ${props.stage}: alarm topic`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
      policy: keyPolicy(this, SYMMETRIC_USE, [
        new PolicyStatement({
          sid: 'CloudWatchAlarmsPublish',
          principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
          resources: ['*'],
        }),
      ]),
    });
    this.topic = new Topic(this, 'Alarms', {
      displayName: `fhir-records ${props.stage} alarms`,
      masterKey: topicKey,
      enforceSSL: true,
    });
    if (props.alarmEmail) this.topic.addSubscription(new EmailSubscription(props.alarmEmail));
    this.action = new SnsAction(this.topic);

    const period = Duration.minutes(5);
    // 5XXError is 0 or 1 per request: its average is the share of requests that failed.
    this.alarm(
      this,
      'Api5xxRate',
      props.api.metricServerError({ statistic: 'Average', period }),
      0.05,
      'More than 5% of API requests failed with a 5XX in 5 minutes.',
      ComparisonOperator.GREATER_THAN_THRESHOLD,
    );
    this.alarm(
      this,
      'ApiLatencyP99',
      props.api.metricLatency({ statistic: 'p99', period }),
      3000,
      'p99 API latency above 3 s over 5 minutes.',
    );

    for (const fn of props.functions) this.watch(this, fn);

    const custom = (metricName: string) =>
      new Metric({ namespace: METRIC_NAMESPACE, metricName, statistic: 'Sum', period });
    this.alarm(
      this,
      'BreakGlass',
      custom(BREAK_GLASS_METRIC),
      1,
      'A clinician used break-glass access: review the AuditEvents with a purpose of use.',
    );
    this.alarm(
      this,
      'AccessLogTampering',
      custom(AUDIT_TAMPER_METRIC),
      1,
      'An access-log item was changed, or removed before its retention ended: compare the archive (audit:verify --archive) and investigate.',
    );
    this.alarm(
      this,
      'AuditWriteFailures',
      custom(AUDIT_WRITE_FAILURE_METRIC),
      1,
      'An AuditEvent could not be written: a request may have left no access record.',
    );
  }

  /**
   * A function's alarms (throttles, errors, failed seals) and metric filters, made in `scope`:
   * the stack that holds the function (a route group's nested stack, or this one's).
   */
  watch(scope: Construct, fn: MonitoredFunction): void {
    const period = Duration.minutes(5);
    this.alarm(
      scope,
      `Throttles-${fn.id}`,
      fn.function.metricThrottles({ statistic: 'Sum', period }),
      1,
      `${fn.id} was throttled (reserved concurrency reached).`,
    );
    this.alarm(
      scope,
      `Errors-${fn.id}`,
      fn.function.metricErrors({ statistic: 'Sum', period }),
      1,
      `${fn.id} failed with an unhandled error.`,
    );
    if (fn.seals) {
      this.alarm(
        scope,
        `SealFailures-${fn.id}`,
        fn.function.metricErrors({ statistic: 'Sum', period: Duration.hours(1) }),
        1,
        `${fn.id} failed: an hour of the access log is not sealed; run it again before the next hour.`,
      );
    }
    if (fn.archives) {
      new MetricFilter(scope, `AccessLogTampering-${fn.id}`, {
        logGroup: fn.logGroup,
        filterPattern: FilterPattern.stringValue('$.message', '=', AUDIT_TAMPER_MESSAGE),
        metricNamespace: METRIC_NAMESPACE,
        metricName: AUDIT_TAMPER_METRIC,
        metricValue: '1',
      });
    }
    new MetricFilter(scope, `BreakGlass-${fn.id}`, {
      logGroup: fn.logGroup,
      filterPattern: FilterPattern.booleanValue('$.breakGlass', true),
      metricNamespace: METRIC_NAMESPACE,
      metricName: BREAK_GLASS_METRIC,
      metricValue: '1',
    });
    new MetricFilter(scope, `AuditWriteFailed-${fn.id}`, {
      logGroup: fn.logGroup,
      filterPattern: FilterPattern.stringValue('$.message', '=', AUDIT_WRITE_FAILED_MESSAGE),
      metricNamespace: METRIC_NAMESPACE,
      metricName: AUDIT_WRITE_FAILURE_METRIC,
      metricValue: '1',
    });
  }

  private alarm(
    scope: Construct,
    id: string,
    metric: IMetric,
    threshold: number,
    description: string,
    comparisonOperator = ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
  ): Alarm {
    const created = new Alarm(scope, id, {
      metric,
      threshold,
      evaluationPeriods: 1,
      comparisonOperator,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: description,
    });
    created.addAlarmAction(this.action);
    this.alarms.push(created);
    return created;
  }
}
