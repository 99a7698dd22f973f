import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  IdentitySource,
  LambdaIntegration,
  type Method,
  type RestApi,
  TokenAuthorizer,
} from 'aws-cdk-lib/aws-apigateway';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { SMART_PATHS } from '../shared/auth/smart-configuration.ts';
import { ASSERTION_KEY_PREFIX } from '../shared/store/keys.ts';
import type { AccessTargets, FunctionAccess } from './access.ts';
import type { Identity } from './identity.ts';
import { RouteFunction } from './route-function.ts';
import type { StageConfig } from './stage.ts';

/** What every RouteFunction is built with; the SMART functions get none of the routes' grants. */
export interface SmartFunctionDefaults {
  targets: AccessTargets;
  logsKey: IKey;
  reservedConcurrency: number;
  memorySize: number;
  projectRoot: string;
}

/** None of the routes' grants: a SMART function's own are added beside it, each naming its key or key prefix. */
export const NO_ACCESS: FunctionAccess = { access: {}, appendsAudit: false };

const ENVIRONMENT_LIMIT_BYTES = 4 * 1024;
/** The longest value a token (ARN, table name, URL) of the token function's environment resolves to. */
const TOKEN_VALUES_MAX = 600;

const PUBLIC_ENDPOINT = (what: string) => [
  {
    id: 'AwsSolutions-APIG4',
    reason: `${what} is public by specification (SMART App Launch and Backend Services): a client reaches it before it holds a token, and authenticates in the request itself where the endpoint needs it.`,
  },
  {
    id: 'AwsSolutions-COG4',
    reason: `${what} cannot take a Cognito token: clients call it to get one, or to learn where to.`,
  },
];

/**
 * The Lambda TOKEN authorizer on every `jwt` method. Cognito's authorizer would verify the user
 * pool's tokens only; this one also verifies the backend services' tokens the token function
 * signs with the KMS token key, and hands the function the claims as one flat JSON value.
 * Its answer is cached per token for five minutes.
 */
export class ApiAuthorizer extends Construct {
  readonly function: RouteFunction;
  private tokenAuthorizer: TokenAuthorizer | undefined;

  constructor(
    scope: Construct,
    id: string,
    props: { identity: Identity; tokenKey: IKey; functions: SmartFunctionDefaults },
  ) {
    super(scope, id);
    this.function = new RouteFunction(this, 'Authorizer', {
      ...props.functions,
      handler: 'functions/smart/authorizer.ts',
      description: 'API Gateway authorizer: the user pool’s tokens and the SMART backend services’ tokens',
      grants: NO_ACCESS,
      environment: {
        USER_POOL_ISSUER: `https://${props.identity.userPool.userPoolProviderUrl}`,
        USER_POOL_CLIENT_IDS: Stack.of(this).toJsonString(
          props.identity.appClients.map((client) => client.userPoolClientId),
        ),
        TOKEN_KEY_ARN: props.tokenKey.keyArn,
      },
      synchronousInvocation:
        'Invoked synchronously by API Gateway before a method: a failure refuses that request (500, nothing let through); there is no asynchronous event to dead-letter.',
    });
    this.function.policy.addStatements(
      new PolicyStatement({
        sid: 'TokenKeyPublicHalf',
        actions: ['kms:GetPublicKey'],
        resources: [props.tokenKey.keyArn],
      }),
    );
  }

  /** Made with the first `jwt` method: an authorizer attached to no method fails synth. */
  get authorizer(): TokenAuthorizer {
    this.tokenAuthorizer ??= new TokenAuthorizer(this, 'TokenAuthorizer', {
      handler: this.function.function,
      identitySource: IdentitySource.header('Authorization'),
      resultsCacheTtl: Duration.minutes(5),
      // Refused by API Gateway itself, before the function runs (and is paid for).
      validationRegex: '^[Bb]earer [-0-9A-Za-z._~+/]+=*$',
    });
    return this.tokenAuthorizer;
  }

  /** The FHIR base URL, known once the API is: the backend tokens' issuer and audience. */
  trustBackendTokensOf(fhirBase: string): void {
    this.function.function.addEnvironment('TOKEN_ISSUER', fhirBase);
  }
}

export interface SmartEndpointsProps {
  api: RestApi;
  identity: Identity;
  stage: Pick<StageConfig, 'smartApps' | 'smartBackendClients'>;
  /** The API's base URL (custom domain or execute-api with the stage). */
  fhirBase: string;
  tokenKey: IKey;
  recordsTable: { tableArn: string; tableName: string };
  /** The tables' at-rest key, which DynamoDB unwraps with the caller's credentials. */
  dataKeyArn: string;
  functions: SmartFunctionDefaults;
}

/**
 * SMART's endpoints under the API besides the authorize facade (infra/smart-login.ts): discovery
 * and the token endpoint, which answers backend services itself and hands the apps' code and
 * refresh grants on to the managed login.
 */
export class SmartEndpoints extends Construct {
  readonly token: RouteFunction;
  readonly tokenMethod: Method;
  readonly configuration: RouteFunction;
  readonly configurationMethod: Method;

  constructor(scope: Construct, id: string, props: SmartEndpointsProps) {
    super(scope, id);
    const { api, identity, stage } = props;
    const region = Stack.of(this).region;

    const backendClients = stage.smartBackendClients.map(({ name, ...client }) => ({
      clientId: name,
      ...client,
    }));
    const appOrigins = [
      ...new Set(stage.smartApps.flatMap((app) => app.redirectUris.map((uri) => new URL(uri).origin))),
    ];
    const literal = JSON.stringify(backendClients).length + JSON.stringify(appOrigins).length;
    if (literal + TOKEN_VALUES_MAX > ENVIRONMENT_LIMIT_BYTES) {
      throw new Error(
        `${this.node.path}: smartBackendClients take ${literal} bytes of the token function's 4 KB environment: publish large keys at a jwksUrl instead`,
      );
    }
    this.token = new RouteFunction(this, 'Token', {
      ...props.functions,
      handler: 'functions/smart/token.ts',
      description: `POST ${SMART_PATHS.token}: backend services' tokens (private_key_jwt), apps' grants via the managed login`,
      grants: NO_ACCESS,
      environment: {
        TOKEN_ISSUER: props.fhirBase,
        TOKEN_KEY_ARN: props.tokenKey.keyArn,
        RECORDS_TABLE: props.recordsTable.tableName,
        AUTHORIZATION_SERVER: identity.domain.baseUrl(),
        SMART_BACKEND_CLIENTS: JSON.stringify(backendClients),
        SMART_APP_ORIGINS: JSON.stringify(appOrigins),
      },
    });
    this.token.policy.addStatements(
      new PolicyStatement({
        sid: 'SignBackendTokens',
        actions: ['kms:Sign'],
        resources: [props.tokenKey.keyArn],
      }),
      new PolicyStatement({
        sid: 'AssertionReplay',
        actions: ['dynamodb:PutItem'],
        resources: [props.recordsTable.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${ASSERTION_KEY_PREFIX}*`] } },
      }),
      new PolicyStatement({
        sid: 'TableKeyViaDynamoDB',
        actions: ['kms:Decrypt'],
        resources: [props.dataKeyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${region}.amazonaws.com` } },
      }),
    );
    const tokenResource = api.root.resourceForPath(SMART_PATHS.token.replace(/^\//, ''));
    this.tokenMethod = tokenResource.addMethod(
      'POST',
      new LambdaIntegration(this.token.function, { proxy: true, allowTestInvoke: false }),
      { operationName: 'smartToken', authorizationType: AuthorizationType.NONE },
    );
    Validations.of(this.tokenMethod).acknowledge(...PUBLIC_ENDPOINT(`POST ${SMART_PATHS.token}`));
    if (appOrigins.length > 0) {
      // Browser apps (fhirclient) exchange their code from the app's origin.
      const preflight = tokenResource.addCorsPreflight({
        allowOrigins: appOrigins,
        allowMethods: ['POST'],
        allowHeaders: ['Content-Type', 'Authorization'],
        maxAge: Duration.minutes(10),
      });
      Validations.of(preflight).acknowledge(
        ...PUBLIC_ENDPOINT(`OPTIONS ${SMART_PATHS.token} (CORS preflight)`),
      );
    }

    this.configuration = new RouteFunction(this, 'Configuration', {
      ...props.functions,
      handler: 'functions/smart/configuration.ts',
      description: `GET ${SMART_PATHS.configuration}: SMART discovery`,
      grants: NO_ACCESS,
      environment: { USER_POOL_ISSUER: `https://${identity.userPool.userPoolProviderUrl}` },
    });
    this.configurationMethod = api.root
      .resourceForPath(SMART_PATHS.configuration.replace(/^\//, ''))
      .addMethod(
        'GET',
        new LambdaIntegration(this.configuration.function, { proxy: true, allowTestInvoke: false }),
        { operationName: 'smartConfiguration', authorizationType: AuthorizationType.NONE },
      );
    Validations.of(this.configurationMethod).acknowledge(
      ...PUBLIC_ENDPOINT(`GET ${SMART_PATHS.configuration}`),
    );
  }
}
