import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  type UserPoolClient,
} from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { ROLES } from '../shared/routes.ts';

export interface IdentityProps {
  stage: string;
}

/**
 * Who may call the API: one Cognito user pool per stage. The functions read the ID
 * token's `sub`, `cognito:groups` (the role), `custom:org` (the tenant) and
 * `custom:patientId` / `custom:practitionerId` (which record the user is).
 */
export class Identity extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;

  /** Every app client of the pool: the authorizer accepts tokens issued to these only. */
  get appClients(): readonly UserPoolClient[] {
    return [this.client];
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
        emailSubject: `Your health records account (${props.stage})`,
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
  }
}
