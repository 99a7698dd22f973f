import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { RESOURCE_SERVER_SCOPES_MAX } from '../../infra/identity.ts';
import type { RouteFunction } from '../../infra/route-function.ts';
import { ROUTE_RESOURCE_TYPES } from '../../infra/stage.ts';
import { cognitoResourceServers } from '../../shared/auth/cognito-scopes.ts';
import {
  logicalId,
  props,
  resource,
  resourcesOfType,
  roleStatements,
  type SynthesizedApp,
  synthRecordsApp,
  TEST_CONTEXT,
} from './synth.ts';

let synth: SynthesizedApp;
let bare: SynthesizedApp;

beforeAll(() => {
  synth = synthRecordsApp();
  bare = synthRecordsApp({ context: { smartApps: [], customDomain: '', certificateArn: '' } });
});
afterAll(() => {
  synth?.cleanup();
  bare?.cleanup();
});

/** Every action any policy attached to the function's role allows. */
const actionsOf = (s: SynthesizedApp, fn: RouteFunction): string[] =>
  roleStatements(s, fn.role).flatMap((statement) => [statement.Action].flat());

const apps = TEST_CONTEXT.smartApps;

describe('the managed login', () => {
  it('has a Cognito prefix domain on managed login v2, with Cognito’s branding for each SMART client', () => {
    const [[domainId, domain] = ['', undefined], ...others] = resourcesOfType(
      synth.apiTemplate,
      'AWS::Cognito::UserPoolDomain',
    );
    expect(others).toEqual([]);
    expect(props(domain)).toMatchObject({ Domain: 'fhir-records-test', ManagedLoginVersion: 2 });
    expect(domainId).toBe(logicalId(synth, synth.api.identity.domain));
    const brandings = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::ManagedLoginBranding');
    expect(brandings.map(([, b]) => props(b).ClientId).sort()).toEqual(
      synth.api.identity.smartClients.map(({ client }) => ({ Ref: logicalId(synth, client) })).sort(),
    );
    for (const [, branding] of brandings) expect(props(branding).UseCognitoProvidedValues).toBe(true);
  });

  it('declares the SMART scopes of the route table’s types on the patient, user, launch and smart servers', () => {
    const servers = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPoolResourceServer').map(([, s]) =>
      props(s),
    );
    const expected = cognitoResourceServers(ROUTE_RESOURCE_TYPES);
    expect(servers.map((s) => s.Identifier).sort()).toEqual([...expected.keys()].sort());
    for (const server of servers) {
      const names = z
        .array(z.object({ ScopeName: z.string() }))
        .parse(server.Scopes)
        .map((s) => s.ScopeName);
      expect(names, String(server.Identifier)).toEqual(expected.get(String(server.Identifier)));
    }
    expect(expected.get('patient')).toContain('Patient.rs');
  });

  it('stays within Cognito’s 100 scopes per resource server with every type of the route table', () => {
    expect(ROUTE_RESOURCE_TYPES).toContain('Observation');
    for (const [identifier, names] of cognitoResourceServers(ROUTE_RESOURCE_TYPES)) {
      expect(names.length, identifier).toBeLessThanOrEqual(RESOURCE_SERVER_SCOPES_MAX);
    }
    // 11 wildcard scopes and 4 per type: the patient and user servers are the largest.
    expect(cognitoResourceServers(ROUTE_RESOURCE_TYPES).get('patient')).toHaveLength(
      11 + 4 * ROUTE_RESOURCE_TYPES.length,
    );
  });
});

describe('the SMART app clients', () => {
  it('makes each configured app a public client with the code grant only, exact callback URLs and its scopes', () => {
    expect(synth.api.identity.smartClients).toHaveLength(apps.length);
    for (const [index, { client }] of synth.api.identity.smartClients.entries()) {
      const app = apps[index];
      const p = resource(synth, logicalId(synth, client));
      expect(p).toMatchObject({
        ClientName: app?.name,
        GenerateSecret: false,
        AllowedOAuthFlowsUserPoolClient: true,
        AllowedOAuthFlows: ['code'],
        CallbackURLs: app?.redirectUris,
        ExplicitAuthFlows: ['ALLOW_REFRESH_TOKEN_AUTH'],
        SupportedIdentityProviders: ['COGNITO'],
        AccessTokenValidity: 15,
        IdTokenValidity: 15,
        RefreshTokenValidity: 480,
        TokenValidityUnits: { AccessToken: 'minutes', IdToken: 'minutes', RefreshToken: 'minutes' },
        EnableTokenRevocation: true,
        PreventUserExistenceErrors: 'ENABLED',
        WriteAttributes: ['email'],
      });
      expect(p.ReadAttributes).toEqual(
        expect.arrayContaining(['custom:org', 'custom:patientId', 'custom:practitionerId']),
      );
    }
    const [patientApp, portal] = synth.api.identity.smartClients.map(({ client }) =>
      resource(synth, logicalId(synth, client)),
    );
    expect(patientApp?.AllowedOAuthScopes).toEqual([
      'openid',
      'smart/fhirUser',
      'launch/patient',
      'smart/offline_access',
      'patient/Patient.rs',
      'patient/Appointment.rs',
    ]);
    expect(portal?.AllowedOAuthScopes).toEqual([
      'openid',
      'smart/fhirUser',
      'user/Patient.cruds',
      'user/Appointment.cruds',
    ]);
  });

  it('creates a client only after the resource servers whose scopes it names', () => {
    const servers = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPoolResourceServer').map(
      ([id]) => id,
    );
    for (const { client } of synth.api.identity.smartClients) {
      const dependsOn = z
        .array(z.string())
        .parse(synth.apiTemplate.Resources[logicalId(synth, client)]?.DependsOn);
      expect(dependsOn).toEqual(expect.arrayContaining(servers));
    }
  });

  it('lists every app client for the authorizer and exports each SMART client id and the login URL', () => {
    expect(synth.api.identity.appClients).toEqual([
      synth.api.identity.client,
      ...synth.api.identity.smartClients.map(({ client }) => client),
    ]);
    const outputs = z.record(z.string(), z.object({ Value: z.unknown() })).parse(synth.apiTemplate.Outputs);
    expect(outputs.SmartClientIdPatientApp?.Value).toEqual({
      Ref: logicalId(synth, synth.api.identity.smartClients[0]?.client ?? synth.api.identity.client),
    });
    expect(outputs.SmartClientIdClinicianPortal).toBeDefined();
    expect(JSON.stringify(outputs.ManagedLoginUrl?.Value)).toContain('.auth.eu-west-1.amazoncognito.com');
  });

  it('has no SMART client, but the domain and the scopes, when the stage registers no app', () => {
    expect(resourcesOfType(bare.apiTemplate, 'AWS::Cognito::UserPoolClient')).toHaveLength(1);
    expect(resourcesOfType(bare.apiTemplate, 'AWS::Cognito::ManagedLoginBranding')).toHaveLength(0);
    expect(resourcesOfType(bare.apiTemplate, 'AWS::Cognito::UserPoolDomain')).toHaveLength(1);
    expect(resourcesOfType(bare.apiTemplate, 'AWS::Cognito::UserPoolResourceServer')).toHaveLength(4);
  });
});

describe('the pre-token-generation trigger', () => {
  it('is attached as version 2 to the user pool, and only Cognito may invoke it, for this pool', () => {
    const fn = logicalId(synth, synth.api.smartLogin.preTokenGeneration.function);
    const [[poolId, pool] = ['', undefined]] = resourcesOfType(synth.apiTemplate, 'AWS::Cognito::UserPool');
    expect(props(pool).LambdaConfig).toEqual({
      PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [fn, 'Arn'] }, LambdaVersion: 'V2_0' },
    });
    const permissions = resourcesOfType(synth.apiTemplate, 'AWS::Lambda::Permission')
      .map(([, p]) => props(p))
      .filter((p) => JSON.stringify(p.FunctionName).includes(fn));
    expect(permissions).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [poolId, 'Arn'] },
      }),
    ]);
  });

  it('is granted its log group and X-Ray only: no DynamoDB, KMS or S3 action', () => {
    const actions = actionsOf(synth, synth.api.smartLogin.preTokenGeneration);
    expect(actions.sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('knows the FHIR base URL for an absolute fhirUser with a custom domain, and none without', () => {
    const env = (s: SynthesizedApp) =>
      resource(s, logicalId(s, s.api.smartLogin.preTokenGeneration.function)).Environment;
    expect(env(synth)).toEqual({ Variables: { FHIR_BASE_URL: 'https://api.example.com' } });
    expect(env(bare)).toBeUndefined();
  });
});

describe('the authorize facade', () => {
  it('serves GET /auth/authorize without an authorizer, through its own function', () => {
    const method = resource(synth, logicalId(synth, synth.api.smartLogin.authorizeMethod));
    const fn = logicalId(synth, synth.api.smartLogin.authorize.function);
    expect(method).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE' });
    expect(method.AuthorizerId).toBeUndefined();
    expect(JSON.stringify(method.Integration)).toContain(fn);
  });

  it('is granted its log group and X-Ray only: no DynamoDB, KMS or S3 action', () => {
    const actions = actionsOf(synth, synth.api.smartLogin.authorize);
    for (const action of actions) expect(action).toMatch(/^(logs|xray):/);
    expect(actions).toHaveLength(4);
  });

  it('is given the managed login URL and each SMART client’s id, redirect URIs and Cognito scopes', () => {
    const fn = resource(synth, logicalId(synth, synth.api.smartLogin.authorize.function));
    const variables = z
      .object({ Variables: z.record(z.string(), z.unknown()) })
      .parse(fn.Environment).Variables;
    expect(Object.keys(variables).sort()).toEqual(['AUTHORIZATION_SERVER', 'SMART_CLIENTS']);
    const clients = JSON.stringify(variables.SMART_CLIENTS);
    for (const { client } of synth.api.identity.smartClients)
      expect(clients).toContain(logicalId(synth, client));
    expect(clients).toContain('https://app.example.com/callback');
    expect(clients).toContain('patient/Appointment.rs');
    expect(JSON.stringify(variables.AUTHORIZATION_SERVER)).toContain('amazoncognito.com');
  });
});

describe('the SMART login’s alarms', () => {
  it('alarms when the trigger or the facade fails or is throttled: a failing trigger fails every sign-in', () => {
    const alarms = resourcesOfType(synth.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    for (const fn of [synth.api.smartLogin.preTokenGeneration, synth.api.smartLogin.authorize]) {
      const id = logicalId(synth, fn.function);
      const metrics = alarms
        .filter((alarm) => JSON.stringify(alarm.Dimensions ?? []).includes(id))
        .map((alarm) => alarm.MetricName);
      expect(metrics.sort(), fn.node.id).toEqual(['Errors', 'Throttles']);
    }
  });
});
