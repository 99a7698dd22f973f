import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnLoggingConfiguration, CfnWebACL, CfnWebACLAssociation } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ApiFirewallProps {
  stage: Stage;
  logsKey: IKey;
  /** Requests per client IP in any 5-minute window before the IP is blocked. */
  rateLimit: number;
}

const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesSQLiRuleSet',
] as const;

/** A regional WAFv2 web ACL in front of the API stage, logging to an encrypted log group. */
export class ApiFirewall extends Construct {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: ApiFirewallProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const metric = (name: string) => ({
      cloudWatchMetricsEnabled: true,
      // Sampled requests keep whole requests (headers, query string) for hours, outside the
      // log's redaction: they would hold the PHI the log configuration removes.
      sampledRequestsEnabled: false,
      metricName: name,
    });

    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: metric('RecordsApi'),
      rules: [
        ...MANAGED_RULE_GROUPS.map((name, index) => ({
          name,
          priority: index,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: metric(name),
        })),
        {
          name: 'RatePerIp',
          priority: MANAGED_RULE_GROUPS.length,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: props.rateLimit, aggregateKeyType: 'IP' } },
          visibilityConfig: metric('RatePerIp'),
        },
      ],
    });

    new CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stage.stageArn,
      webAclArn: this.webAcl.attrArn,
    });

    // WAF requires the `aws-waf-logs-` prefix; the stack name keeps it unique per stage.
    const logGroupName = `aws-waf-logs-${stack.stackName}`;
    const logs = new LogGroup(this, 'Logs', {
      logGroupName,
      encryptionKey: props.logsKey,
      retention: RetentionDays.SIX_YEARS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logging = new CfnLoggingConfiguration(this, 'Logging', {
      resourceArn: this.webAcl.attrArn,
      // The log group ARN without the `:*` suffix that LogGroup.logGroupArn carries.
      logDestinationConfigs: [
        stack.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      // Bearer tokens, search values (names, birth dates), the free-text break-glass reason
      // and the User-Agent (free text a client controls) must not reach the WAF log.
      redactedFields: [
        { singleHeader: { Name: 'authorization' } },
        { singleHeader: { Name: 'x-break-glass-reason' } },
        { singleHeader: { Name: 'user-agent' } },
        { queryString: {} },
      ],
    });
    logging.node.addDependency(logs);
  }
}
