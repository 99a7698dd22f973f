import { Duration, Stack, Validations } from 'aws-cdk-lib';
import {
  AuthorizationType,
  IdentitySource,
  type IResource,
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
/** What the tokens (ARNs, table name, URLs) of the endpoints' environments resolve to, at most. */
const TOKEN_VALUES_MAX = 600;
/** An app client id in the introspection and revocation environments, quoted (Cognito's are 26 characters). */
const CLIENT_ID_ENTRY_MAX = 32;

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
 * SMART's endpoints under the API besides the authorize facade (infra/smart-login.ts): discovery,
 * the token endpoint (which answers backend services itself and hands the apps' code and refresh
 * grants on to the managed login), introspection and revocation.
 */
export class SmartEndpoints extends Construct {
  readonly token: RouteFunction;
  readonly tokenMethod: Method;
  readonly configuration: RouteFunction;
  readonly configurationMethod: Method;
  readonly introspect: RouteFunction;
  readonly revoke: RouteFunction;

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
    const clientIds = (identity.appClients.length + identity.smartClients.length) * CLIENT_ID_ENTRY_MAX;
    if (literal + clientIds + TOKEN_VALUES_MAX > ENVIRONMENT_LIMIT_BYTES) {
      throw new Error(
        `${this.node.path}: smartBackendClients take ${literal} bytes of the token function's 4 KB environment: publish large keys at a jwksUrl instead`,
      );
    }
    const tokenEnvironment = {
      TOKEN_ISSUER: props.fhirBase,
      TOKEN_KEY_ARN: props.tokenKey.keyArn,
      RECORDS_TABLE: props.recordsTable.tableName,
      AUTHORIZATION_SERVER: identity.domain.baseUrl(),
      SMART_BACKEND_CLIENTS: JSON.stringify(backendClients),
      SMART_APP_ORIGINS: JSON.stringify(appOrigins),
    };
    this.token = new RouteFunction(this, 'Token', {
      ...props.functions,
      handler: 'functions/smart/token.ts',
      description: `POST ${SMART_PATHS.token}: backend services' tokens (private_key_jwt), apps' grants via the managed login`,
      grants: NO_ACCESS,
      environment: tokenEnvironment,
    });
    // A backend service's assertion is checked at each of these endpoints: its jti is used up.
    const assertionReplay = [
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
    ];
    this.token.policy.addStatements(
      new PolicyStatement({
        sid: 'SignBackendTokens',
        actions: ['kms:Sign'],
        resources: [props.tokenKey.keyArn],
      }),
      ...assertionReplay,
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

    // Introspection verifies tokens as the authorizer does; revocation hands an app's refresh
    // token to Cognito. Both authenticate their caller as the token endpoint does.
    const userPoolIssuer = `https://${identity.userPool.userPoolProviderUrl}`;
    const tokenState = {
      ...tokenEnvironment,
      USER_POOL_ISSUER: userPoolIssuer,
      USER_POOL_CLIENT_IDS: Stack.of(this).toJsonString(
        identity.appClients.map((client) => client.userPoolClientId),
      ),
      SMART_APP_CLIENT_IDS: Stack.of(this).toJsonString(
        identity.smartClients.map(({ client }) => client.userPoolClientId),
      ),
    };
    this.introspect = this.tokenStateEndpoint('Introspect', SMART_PATHS.introspect, 'smartIntrospect', {
      ...props,
      environment: tokenState,
      description: `POST ${SMART_PATHS.introspect}: RFC 7662 introspection of the API's tokens`,
      statements: [
        new PolicyStatement({
          sid: 'TokenKeyPublicHalf',
          actions: ['kms:GetPublicKey'],
          resources: [props.tokenKey.keyArn],
        }),
        ...assertionReplay,
      ],
      appOrigins,
    });
    this.revoke = this.tokenStateEndpoint('Revoke', SMART_PATHS.revoke, 'smartRevoke', {
      ...props,
      environment: tokenState,
      description: `POST ${SMART_PATHS.revoke}: RFC 7009 revocation of an app's refresh token at Cognito`,
      statements: assertionReplay,
      appOrigins,
    });

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

  /** One OAuth endpoint of introspection or revocation: its function, public method and grants. */
  private tokenStateEndpoint(
    id: string,
    path: string,
    operationName: string,
    options: SmartEndpointsProps & {
      environment: Record<string, string>;
      description: string;
      statements: PolicyStatement[];
      appOrigins: readonly string[];
    },
  ): RouteFunction {
    const fn = new RouteFunction(this, id, {
      ...options.functions,
      handler: `functions/smart/${id.toLowerCase()}.ts`,
      description: options.description,
      grants: NO_ACCESS,
      environment: options.environment,
    });
    fn.policy.addStatements(...options.statements);
    const resource = options.api.root.resourceForPath(path.replace(/^\//, ''));
    const method = resource.addMethod(
      'POST',
      new LambdaIntegration(fn.function, { proxy: true, allowTestInvoke: false }),
      { operationName, authorizationType: AuthorizationType.NONE },
    );
    Validations.of(method).acknowledge(...PUBLIC_ENDPOINT(`POST ${path}`));
    allowAppOrigins(resource, path, options.appOrigins);
    return fn;
  }
}

/** CORS preflight for the SMART apps' origins (browser apps call the OAuth endpoints themselves). */
function allowAppOrigins(resource: IResource, path: string, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const preflight = resource.addCorsPreflight({
    allowOrigins: [...origins],
    allowMethods: ['POST'],
    allowHeaders: ['Content-Type', 'Authorization'],
    maxAge: Duration.minutes(10),
  });
  Validations.of(preflight).acknowledge(...PUBLIC_ENDPOINT(`OPTIONS ${path} (CORS preflight)`));
}
