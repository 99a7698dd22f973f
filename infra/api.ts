import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogField,
  AccessLogFormat,
  type DomainName,
  EndpointType,
  LogGroupLogDestination,
  MethodLoggingLevel,
  type RequestValidator,
  ResponseType,
  RestApi,
  SecurityPolicy,
} from 'aws-cdk-lib/aws-apigateway';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { CORS_EXPOSE_HEADERS, SECURITY_HEADERS as RUNTIME_SECURITY_HEADERS } from '../shared/http/headers.ts';
import type { StageConfig } from './stage.ts';

export interface RecordsApiProps {
  stage: StageConfig;
  logsKey: IKey;
}

/**
 * The security headers the functions send, as API Gateway literals. A static value is a
 * single-quoted literal, so a value with quotes of its own (the CSP) stays with the functions;
 * API Gateway's answers are JSON OperationOutcomes, which no browser renders as a page.
 */
const SECURITY_HEADERS: Record<string, string> = {
  'Content-Type': "'application/fhir+json'",
  ...Object.fromEntries(
    Object.entries(RUNTIME_SECURITY_HEADERS)
      .filter(([, value]) => !value.includes("'"))
      .map(([name, value]) => [name, `'${value}'`]),
  ),
  'X-Request-Id': 'context.requestId',
};

/**
 * Answers API Gateway gives itself (before or instead of a function): FHIR
 * OperationOutcomes like the functions' own, never API Gateway's `{"message": ...}`.
 */
const GATEWAY_RESPONSES: readonly {
  type: ResponseType;
  status?: string;
  code: string;
  diagnostics: string | undefined;
  headers?: Record<string, string>;
}[] = [
  { type: ResponseType.DEFAULT_4XX, code: 'invalid', diagnostics: undefined },
  { type: ResponseType.DEFAULT_5XX, code: 'exception', diagnostics: 'internal error' },
  // API Gateway's own words: "Unauthorized", or "The incoming token has expired" for a token
  // Cognito signed whose time is up (never any of the token).
  { type: ResponseType.UNAUTHORIZED, status: '401', code: 'login', diagnostics: undefined },
  { type: ResponseType.ACCESS_DENIED, status: '403', code: 'forbidden', diagnostics: 'access denied' },
  // What API Gateway says for a path or method it does not serve: the local gateway's 404.
  {
    type: ResponseType.MISSING_AUTHENTICATION_TOKEN,
    status: '404',
    code: 'not-found',
    diagnostics: 'no such route',
  },
  {
    type: ResponseType.THROTTLED,
    status: '429',
    code: 'throttled',
    diagnostics: 'too many requests',
    headers: { 'Retry-After': "'1'" },
  },
  { type: ResponseType.REQUEST_TOO_LARGE, status: '413', code: 'too-long', diagnostics: 'request too large' },
  { type: ResponseType.WAF_FILTERED, status: '403', code: 'forbidden', diagnostics: 'request blocked' },
];

/**
 * The REST API: its stage with access logs in JSON, execution logs at ERROR without data
 * trace (a data trace would log PHI), the request validator and the gateway's own answers.
 * The routes' resources and methods are in the route groups' nested stacks
 * (infra/route-group.ts), with the Lambda authorizer on every `jwt` route and CORS preflight
 * for the portal origin only.
 */
export class RecordsApi extends Construct {
  readonly api: RestApi;
  /** Parameters and bodies of every route's method (infra/route-group.ts). */
  readonly validator: RequestValidator;
  readonly domain: DomainName | undefined;

  constructor(scope: Construct, id: string, props: RecordsApiProps) {
    super(scope, id);
    const { stage } = props;

    const accessLogs = new LogGroup(this, 'AccessLogs', {
      encryptionKey: props.logsKey,
      retention: RetentionDays.SIX_YEARS,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.api = new RestApi(this, 'Api', {
      description: `FHIR R4 records API (${stage.stage})`,
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.RETAIN,
      deployOptions: {
        stageName: stage.stage,
        accessLogDestination: new LogGroupLogDestination(accessLogs),
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: AccessLogField.contextRequestId(),
            extendedRequestId: AccessLogField.contextExtendedRequestId(),
            requestTime: AccessLogField.contextRequestTime(),
            ip: AccessLogField.contextIdentitySourceIp(),
            httpMethod: AccessLogField.contextHttpMethod(),
            // The route template (`/Patient/{id}`), not the path: no search values.
            resourcePath: AccessLogField.contextResourcePath(),
            status: AccessLogField.contextStatus(),
            protocol: AccessLogField.contextProtocol(),
            responseLength: AccessLogField.contextResponseLength(),
            responseLatency: AccessLogField.contextResponseLatency(),
            integrationLatency: AccessLogField.contextIntegrationLatency(),
            // The authorizer's principal id: the token's subject (a user, or a backend client).
            sub: AccessLogField.contextAuthorizerPrincipalId(),
            errorType: AccessLogField.contextErrorResponseType(),
            wafStatus: AccessLogField.contextWafResponseCode(),
          }),
        ),
        loggingLevel: MethodLoggingLevel.ERROR,
        dataTraceEnabled: false,
        // No X-Ray on the stage: its segments record the full request URL, query string and
        // all (`?family=..&identifier=<SSN>`), and X-Ray has no way to leave it out. The
        // functions keep active tracing; their segments carry no URL.
        tracingEnabled: false,
        metricsEnabled: true,
        throttlingRateLimit: stage.apiRateLimit,
        throttlingBurstLimit: stage.apiBurstLimit,
      },
    });

    const cloudWatchRole = this.api.node.tryFindChild('CloudWatchRole');
    if (cloudWatchRole) {
      Validations.of(cloudWatchRole).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          "API Gateway's account-level logging role, assumable only by apigateway.amazonaws.com, with the AWS-maintained policy AWS documents for it: execution and access logging need it.",
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge(
      {
        id: 'HIPAA.Security-APIGWCacheEnabledAndEncrypted',
        reason:
          'No stage cache on purpose: responses are per-user PHI answered with Cache-Control no-store, and a cache would serve them after access is revoked.',
      },
      {
        id: 'HIPAA.Security-APIGWXrayEnabled',
        reason:
          'X-Ray is off on the stage on purpose: API Gateway segments record the full request URL with its query string (search values are PHI) and cannot redact it. Every function keeps active X-Ray tracing.',
      },
      {
        id: 'HIPAA.Security-APIGWSSLEnabled',
        reason:
          'The rule asks for a client certificate toward an HTTP backend; every integration is a Lambda proxy invoked inside AWS with IAM, so there is no backend TLS endpoint to authenticate.',
      },
    );

    this.validator = this.api.addRequestValidator('Validator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });

    // A browser can read an error only with CORS headers; with one portal origin they are static.
    const [onlyOrigin, ...otherOrigins] = stage.portalOrigin;
    const corsHeaders: Record<string, string> =
      onlyOrigin && otherOrigins.length === 0
        ? {
            'Access-Control-Allow-Origin': `'${onlyOrigin}'`,
            'Access-Control-Allow-Credentials': "'true'",
            'Access-Control-Expose-Headers': `'${CORS_EXPOSE_HEADERS.join(', ')}'`,
            Vary: "'Origin'",
          }
        : {};
    for (const response of GATEWAY_RESPONSES) {
      const diagnostics = response.diagnostics
        ? JSON.stringify(response.diagnostics)
        : '$context.error.messageString';
      const outcome = `{"resourceType":"OperationOutcome","issue":[{"severity":"error","code":"${response.code}","diagnostics":${diagnostics}}]}`;
      this.api.addGatewayResponse(`Response-${response.type.responseType}`, {
        type: response.type,
        ...(response.status ? { statusCode: response.status } : {}),
        responseHeaders: { ...SECURITY_HEADERS, ...corsHeaders, ...response.headers },
        templates: { 'application/json': outcome, 'application/fhir+json': outcome },
      });
    }

    this.domain =
      stage.customDomain && stage.certificateArn
        ? this.api.addDomainName('Domain', {
            domainName: stage.customDomain,
            certificate: Certificate.fromCertificateArn(this, 'Certificate', stage.certificateArn),
            endpointType: EndpointType.REGIONAL,
            securityPolicy: SecurityPolicy.TLS_1_2,
          })
        : undefined;
  }
}
