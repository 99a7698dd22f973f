import { Stack, Validations } from 'aws-cdk-lib';
import { AuthorizationType, LambdaIntegration, type Method, type RestApi } from 'aws-cdk-lib/aws-apigateway';
import { LambdaVersion, UserPoolOperation } from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { SMART_PATHS } from '../shared/auth/smart-configuration.ts';
import type { Identity } from './identity.ts';
import { RouteFunction } from './route-function.ts';
import { NO_ACCESS, type SmartFunctionDefaults } from './smart-endpoints.ts';
import type { StageConfig } from './stage.ts';

export interface SmartLoginProps {
  api: RestApi;
  identity: Identity;
  stage: Pick<StageConfig, 'customDomain'>;
  /** What every RouteFunction is built with; neither function here is granted any of it. */
  functions: SmartFunctionDefaults;
}

/** Lambda's limit on a function's environment, and the longest client id Cognito makes. */
const ENVIRONMENT_LIMIT_BYTES = 4 * 1024;
const CLIENT_ID_MAX = 128;

/**
 * The user-facing half of SMART in AWS: Cognito's pre-token-generation trigger, which puts the
 * tenant, the user's record and the launch context into the tokens, and the authorize facade at
 * `/auth/authorize`, which checks what SMART asks of an authorization request and sends the user
 * on to the managed login. The token, discovery, introspection and revocation endpoints are
 * infra/smart-endpoints.ts's.
 */
export class SmartLogin extends Construct {
  readonly preTokenGeneration: RouteFunction;
  readonly authorize: RouteFunction;
  readonly authorizeMethod: Method;

  constructor(scope: Construct, id: string, props: SmartLoginProps) {
    super(scope, id);
    const { identity } = props;
    // Absolute only with a custom domain: the API's generated URL cannot be given to the
    // trigger, since user pool -> trigger -> API URL -> authorizer -> user pool is a cycle.
    const fhirBase = props.stage.customDomain ? `https://${props.stage.customDomain}` : undefined;

    this.preTokenGeneration = new RouteFunction(this, 'PreTokenGeneration', {
      ...props.functions,
      handler: 'functions/smart/pre-token.ts',
      description:
        'Cognito pre-token generation (V2): SMART claims (tenant, record, launch patient, fhirUser)',
      grants: NO_ACCESS,
      environment: fhirBase ? { FHIR_BASE_URL: fhirBase } : {},
      synchronousInvocation:
        'Invoked synchronously by Cognito during sign-in and refresh only: a failure fails that token request, which the app retries; there is no asynchronous event to dead-letter.',
    });
    // Version 2 is what customizes access tokens (Essentials or Plus feature plan).
    identity.userPool.addTrigger(
      UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.preTokenGeneration.function,
      LambdaVersion.V2_0,
    );

    const clients = identity.smartClients.map(({ app, client, cognitoScopes }) => ({
      clientId: client.userPoolClientId,
      redirectUris: app.redirectUris,
      scopes: cognitoScopes,
    }));
    const worstCase = JSON.stringify(
      clients.map((client) => ({ ...client, clientId: 'x'.repeat(CLIENT_ID_MAX) })),
    ).length;
    if (worstCase + 200 > ENVIRONMENT_LIMIT_BYTES) {
      throw new Error(
        `${this.node.path}: SMART_CLIENTS for ${clients.length} apps may exceed Lambda's 4 KB environment`,
      );
    }
    this.authorize = new RouteFunction(this, 'Authorize', {
      ...props.functions,
      handler: 'functions/smart/authorize.ts',
      description: `GET ${SMART_PATHS.authorize}: SMART authorization request, checked and sent to the managed login`,
      grants: NO_ACCESS,
      environment: {
        AUTHORIZATION_SERVER: identity.domain.baseUrl(),
        SMART_CLIENTS: Stack.of(this).toJsonString(clients),
      },
    });

    this.authorizeMethod = props.api.root
      .resourceForPath(SMART_PATHS.authorize.replace(/^\//, ''))
      .addMethod(
        'GET',
        new LambdaIntegration(this.authorize.function, { proxy: true, allowTestInvoke: false }),
        {
          operationName: 'smartAuthorize',
          authorizationType: AuthorizationType.NONE,
        },
      );
    Validations.of(this.authorizeMethod).acknowledge(
      {
        id: 'AwsSolutions-APIG4',
        reason:
          'The OAuth 2.0 authorization endpoint is public by specification (RFC 6749 §3.1, SMART App Launch): a browser reaches it before any token exists. Its function has no data access and no grants.',
      },
      {
        id: 'AwsSolutions-COG4',
        reason:
          'The OAuth 2.0 authorization endpoint cannot require a Cognito token: it is where the user goes to get one. It only redirects to the managed login and reaches no data.',
      },
    );
  }
}
