import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  CfnManagedLoginBranding,
  ClientAttributes,
  FeaturePlan,
  ManagedLoginVersion,
  Mfa,
  OAuthScope,
  ResourceServerScope,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
  UserPoolClientIdentityProvider,
  type UserPoolDomain,
  UserPoolResourceServer,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import {
  cognitoResourceServers,
  cognitoScopeOf,
  declaredCognitoScopes,
} from '../shared/auth/cognito-scopes.ts';
import { ROLES } from '../shared/routes.ts';
import {
  authDomainPrefixOf,
  pascalCaseOf,
  ROUTE_RESOURCE_TYPES,
  type SmartApp,
  type StageConfig,
} from './stage.ts';

export interface IdentityProps {
  stage: Pick<StageConfig, 'stage' | 'authDomainPrefix' | 'smartApps'>;
}

/** Cognito's limit on the custom scopes of one resource server (CreateResourceServer `Scopes`). */
export const RESOURCE_SERVER_SCOPES_MAX = 100;

/** A SMART app's public client and what the authorize facade needs to know of it. */
export interface SmartAppClient {
  app: SmartApp;
  client: UserPoolClient;
  /** The Cognito scopes the client may ask for (`openid` and the app's SMART scopes). */
  cognitoScopes: readonly string[];
}

/**
 * Who may call the API: one Cognito user pool per stage. The functions read the ID
 * token's `sub`, `cognito:groups` (the role), `custom:org` (the tenant) and
 * `custom:patientId` / `custom:practitionerId` (which record the user is).
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  /** The managed login (`https://<prefix>.auth.<region>.amazoncognito.com`) the SMART endpoints send users to. */
  readonly domain: UserPoolDomain;
  readonly resourceServers: readonly UserPoolResourceServer[];
  /** One public client per SMART app of the stage (`smartApps`), in the stage's order. */
  readonly smartClients: readonly SmartAppClient[];

  /** Every app client of the pool: the authorizer accepts tokens issued to these only. */
  get appClients(): readonly UserPoolClient[] {
    return [this.client, ...this.smartClients.map(({ client }) => client)];
  }

  constructor(scope: Construct, id: string, props: IdentityProps) {
    super(scope, id);

    this.userPool = new UserPool(this, 'Users', {
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      customAttributes: {
        // The tenant: a user never changes organization (a new account is made instead).
        org: new StringAttribute({ minLen: 1, maxLen: 64, mutable: false }),
        // Mutable, because the link to a record can be made after the account; users
        // cannot set them themselves (see the client's writeAttributes).
        patientId: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
        practitionerId: new StringAttribute({ minLen: 1, maxLen: 64, mutable: true }),
      },
      mfa: Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      featurePlan: FeaturePlan.PLUS,
      // Threat protection enforced: compromised-credential and risk-based sign-in checks.
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      userInvitation: {
        emailSubject: `Your health records account (${props.stage.stage})`,
        emailBody:
          'Your username is {username} and your temporary password is {####}. You will be asked to set a new password and an authenticator app.',
      },
    });

    for (const role of ROLES) {
      this.userPool.addGroup(`Group-${role}`, { groupName: role, description: `Role ${role}` });
    }

    const claims = ['org', 'patientId', 'practitionerId'];
    this.client = this.userPool.addClient('AppClient', {
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      accessTokenValidity: Duration.minutes(15),
      idTokenValidity: Duration.minutes(15),
      refreshTokenValidity: Duration.hours(8),
      enableTokenRevocation: true,
      preventUserExistenceErrors: true,
      readAttributes: new ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(...claims),
      // Users may not write the claims the access policy trusts.
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
    });

    // Managed login (v2) needs a branding style per client to show its pages; Cognito's own
    // look is enough for an API whose apps bring their own interface.
    this.domain = this.userPool.addDomain('ManagedLogin', {
      cognitoDomain: { domainPrefix: authDomainPrefixOf(props.stage) },
      managedLoginVersion: ManagedLoginVersion.NEWER_MANAGED_LOGIN,
    });

    const servers = cognitoResourceServers(ROUTE_RESOURCE_TYPES);
    for (const [identifier, names] of servers) {
      // Four scopes per type and eleven for `*`: 22 resource types fill a server.
      if (names.length > RESOURCE_SERVER_SCOPES_MAX) {
        throw new Error(
          `the ${identifier} resource server would declare ${names.length} scopes; Cognito allows ${RESOURCE_SERVER_SCOPES_MAX}`,
        );
      }
    }
    this.resourceServers = [...servers].map(
      ([identifier, names]) =>
        new UserPoolResourceServer(this, `Scopes-${identifier}`, {
          userPool: this.userPool,
          identifier,
          userPoolResourceServerName: `SMART ${identifier} scopes`,
          scopes: names.map(
            (scopeName) =>
              new ResourceServerScope({ scopeName, scopeDescription: `SMART ${identifier}/${scopeName}` }),
          ),
        }),
    );
    const declared = declaredCognitoScopes(servers);

    this.smartClients = props.stage.smartApps.map((app) => {
      const id = `Smart-${pascalCaseOf(app.name)}`;
      const cognitoScopes = [
        ...new Set([
          'openid',
          ...app.scopes
            .split(' ')
            .filter((scope) => scope.length > 0)
            .map((scope) => {
              const cognito = cognitoScopeOf(scope, declared);
              // The stage schema checked the same set; this guards a caller that skipped it.
              if (cognito === undefined) throw new Error(`${app.name}: ${scope} is not a Cognito scope`);
              return cognito;
            }),
        ]),
      ];
      const client = this.userPool.addClient(id, {
        userPoolClientName: app.name,
        // A public client (SMART "client-public"): a browser or native app keeps no secret,
        // PKCE binds the code to it instead, which the authorize facade requires.
        generateSecret: false,
        // No sign-in API for the app itself: users sign in on the managed login only. Refresh
        // tokens stay usable (CDK adds ALLOW_REFRESH_TOKEN_AUTH to any explicit list).
        authFlows: { userSrp: false },
        oAuth: {
          flows: { authorizationCodeGrant: true },
          callbackUrls: [...app.redirectUris],
          scopes: cognitoScopes.map((scope) => OAuthScope.custom(scope)),
        },
        supportedIdentityProviders: [UserPoolClientIdentityProvider.COGNITO],
        accessTokenValidity: Duration.minutes(15),
        idTokenValidity: Duration.minutes(15),
        refreshTokenValidity: Duration.hours(8),
        enableTokenRevocation: true,
        preventUserExistenceErrors: true,
        readAttributes: new ClientAttributes()
          .withStandardAttributes({ email: true, emailVerified: true })
          .withCustomAttributes(...claims),
        writeAttributes: new ClientAttributes().withStandardAttributes({ email: true }),
      });
      // Cognito refuses a client whose scopes are not declared yet.
      for (const server of this.resourceServers) client.node.addDependency(server);
      const branding = new CfnManagedLoginBranding(this, `${id}-Branding`, {
        userPoolId: this.userPool.userPoolId,
        clientId: client.userPoolClientId,
        useCognitoProvidedValues: true,
      });
      branding.node.addDependency(this.domain);
      return { app, client, cognitoScopes };
    });
  }
}
