import type { CfnElement } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import type { RouteFunction } from '../../infra/route-function.ts';
import { parseStageConfig } from '../../infra/stage.ts';
import { routeEntries } from '../../shared/routes.ts';
import {
  logicalId,
  type PolicyStatementJson,
  props,
  resource,
  resourcesOfType,
  roleStatements,
  type SynthesizedApp,
  synthRecordsApp,
  TEST_CONTEXT,
} from './synth.ts';

/**
 * SMART in AWS, the API Gateway side: the Lambda authorizer on every `jwt` method, the token
 * function for backend services and apps, discovery, the KMS token key, and their grants.
 */
let synth: SynthesizedApp;
let bare: SynthesizedApp;

beforeAll(() => {
  synth = synthRecordsApp();
  bare = synthRecordsApp({
    context: { smartApps: [], smartBackendClients: [], customDomain: '', certificateArn: '' },
  });
});
afterAll(() => {
  synth?.cleanup();
  bare?.cleanup();
});

const dataLogicalId = (s: SynthesizedApp, element: { node: { defaultChild?: unknown } }): string =>
  s.data.getLogicalId(element.node.defaultChild as CfnElement);
const variablesOf = (s: SynthesizedApp, fn: RouteFunction): Record<string, unknown> =>
  z
    .object({ Variables: z.record(z.string(), z.unknown()) })
    .parse(resource(s, logicalId(s, fn.function)).Environment).Variables;

/** The statements beyond what every function has (its own log group, X-Ray). */
const grantsOf = (s: SynthesizedApp, fn: RouteFunction): PolicyStatementJson[] =>
  roleStatements(s, fn.role).filter(
    (statement) => !['OwnLogGroup', 'XRayTraces'].includes(statement.Sid ?? ''),
  );

const tokenKeyOf = (s: SynthesizedApp) => dataLogicalId(s, s.data.keys.tokenKey);

describe('the Lambda authorizer', () => {
  it('guards every jwt method of the route table, as a TOKEN authorizer on the Authorization header cached 5 minutes', () => {
    const authorizers = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Authorizer');
    expect(authorizers).toHaveLength(1);
    const [[authorizerId, authorizer] = ['', undefined]] = authorizers;
    expect(authorizerId).toBe(logicalId(synth, synth.api.authorizer.authorizer));
    expect(props(authorizer)).toMatchObject({
      Type: 'TOKEN',
      IdentitySource: 'method.request.header.Authorization',
      AuthorizerResultTtlInSeconds: 300,
    });
    expect(JSON.stringify(props(authorizer).AuthorizerUri)).toContain(
      logicalId(synth, synth.api.authorizer.function.function),
    );
    const methods = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Method').map(([, m]) => props(m));
    const guarded = methods.filter((method) => method.AuthorizationType === 'CUSTOM');
    expect(guarded).toHaveLength(routeEntries().filter(([, def]) => def.auth === 'jwt').length);
    for (const method of guarded) expect(method.AuthorizerId).toEqual({ Ref: authorizerId });
    expect(methods.filter((method) => method.AuthorizationType === 'COGNITO_USER_POOLS')).toEqual([]);
  });

  it('may read the token key’s public half and nothing else: no table, no other key, no kms:Sign', () => {
    expect(grantsOf(synth, synth.api.authorizer.function)).toEqual([
      expect.objectContaining({ Sid: 'TokenKeyPublicHalf', Action: 'kms:GetPublicKey' }),
    ]);
    const [grant] = grantsOf(synth, synth.api.authorizer.function);
    expect(JSON.stringify(grant?.Resource)).toContain(tokenKeyOf(synth));
  });

  it('trusts the user pool’s app clients and the token function’s issuer (the FHIR base URL)', () => {
    const variables = variablesOf(synth, synth.api.authorizer.function);
    expect(Object.keys(variables).sort()).toEqual(
      ['TOKEN_ISSUER', 'TOKEN_KEY_ARN', 'USER_POOL_CLIENT_IDS', 'USER_POOL_ISSUER'].sort(),
    );
    expect(JSON.stringify(variables.USER_POOL_ISSUER)).toContain(
      logicalId(synth, synth.api.identity.userPool),
    );
    const clients = JSON.stringify(variables.USER_POOL_CLIENT_IDS);
    for (const client of synth.api.identity.appClients) expect(clients).toContain(logicalId(synth, client));
    expect(variables.TOKEN_ISSUER).toBe('https://api.example.com');
    // Without a custom domain: the execute-api URL with the stage, built from the API's id.
    const issuer = JSON.stringify(variablesOf(bare, bare.api.authorizer.function).TOKEN_ISSUER);
    expect(issuer).toContain(logicalId(bare, bare.api.api.api));
    expect(issuer).toContain('/test');
    expect(issuer).not.toContain('Deployment');
  });
});

describe('the token function', () => {
  it('serves POST /auth/token without an authorizer, with CORS for the SMART apps’ origins only', () => {
    const method = resource(synth, logicalId(synth, synth.api.smartEndpoints.tokenMethod));
    expect(method).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'NONE' });
    expect(JSON.stringify(method.Integration)).toContain(
      logicalId(synth, synth.api.smartEndpoints.token.function),
    );
    const preflight = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Method')
      .map(([, m]) => props(m))
      .find(
        (m) =>
          m.HttpMethod === 'OPTIONS' &&
          m.ResourceId &&
          JSON.stringify(m.ResourceId) === JSON.stringify(method.ResourceId),
      );
    const text = JSON.stringify(preflight);
    for (const origin of ['https://app.example.com', 'http://localhost:5173', 'https://portal.example.com']) {
      expect(text).toContain(origin);
    }
    expect(text).not.toContain("'*'");
  });

  it('may sign with the token key and remember assertion jtis, and nothing else', () => {
    const grants = grantsOf(synth, synth.api.smartEndpoints.token);
    expect(grants.map((grant) => [grant.Sid, grant.Action])).toEqual([
      ['SignBackendTokens', 'kms:Sign'],
      ['AssertionReplay', 'dynamodb:PutItem'],
      ['TableKeyViaDynamoDB', 'kms:Decrypt'],
    ]);
    const [sign, replay, tableKey] = grants;
    expect(JSON.stringify(sign?.Resource)).toContain(tokenKeyOf(synth));
    expect(JSON.stringify(replay?.Resource)).toContain(dataLogicalId(synth, synth.data.storage.records));
    expect(replay?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['_smart#assertion#*'] },
    });
    expect(JSON.stringify(tableKey?.Resource)).toContain(dataLogicalId(synth, synth.data.keys.dataKey));
    expect(JSON.stringify(tableKey?.Condition)).toContain('kms:ViaService');
  });

  it('knows the backend clients, the apps’ origins, the managed login and its issuer', () => {
    const variables = variablesOf(synth, synth.api.smartEndpoints.token);
    expect(variables.TOKEN_ISSUER).toBe('https://api.example.com');
    expect(JSON.stringify(variables.AUTHORIZATION_SERVER)).toContain('amazoncognito.com');
    const clients = z
      .array(z.object({ clientId: z.string(), org: z.string(), role: z.string(), scopes: z.string() }))
      .parse(JSON.parse(String(variables.SMART_BACKEND_CLIENTS)));
    expect(clients.map((client) => [client.clientId, client.org, client.role, client.scopes])).toEqual(
      TEST_CONTEXT.smartBackendClients.map((client) => [client.name, client.org, client.role, client.scopes]),
    );
    expect(JSON.parse(String(variables.SMART_APP_ORIGINS))).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
      'https://portal.example.com',
    ]);
  });

  it('refuses at synth a backend client list too large for the function’s environment', () => {
    const keys = Array.from({ length: 4 }, (_, index) => ({
      kty: 'RSA',
      kid: `k${index}`,
      e: 'AQAB',
      n: 'x'.repeat(700),
    }));
    const big = [1, 2].map((n) => ({
      name: `big-${n}`,
      jwks: { keys },
      scopes: 'system/Patient.rs',
      org: 'o',
      role: 'admin',
    }));
    expect(() => synthRecordsApp({ context: { smartBackendClients: big } })).toThrow(/jwksUrl/);
  });
});

describe('introspection and revocation', () => {
  it('serve POST /auth/introspect and /auth/revoke without an authorizer, each from its own function', () => {
    const methods = resourcesOfType(synth.apiTemplate, 'AWS::ApiGateway::Method').map(([, m]) => props(m));
    for (const fn of [synth.api.smartEndpoints.introspect, synth.api.smartEndpoints.revoke]) {
      const served = methods.filter((m) =>
        JSON.stringify(m.Integration).includes(logicalId(synth, fn.function)),
      );
      expect(served, fn.node.id).toEqual([
        expect.objectContaining({ HttpMethod: 'POST', AuthorizationType: 'NONE' }),
      ]);
    }
  });

  it('introspection may read the token key’s public half and use up assertions; revocation only the latter', () => {
    const sids = (fn: RouteFunction) => grantsOf(synth, fn).map((grant) => [grant.Sid, grant.Action]);
    expect(sids(synth.api.smartEndpoints.introspect)).toEqual([
      ['TokenKeyPublicHalf', 'kms:GetPublicKey'],
      ['AssertionReplay', 'dynamodb:PutItem'],
      ['TableKeyViaDynamoDB', 'kms:Decrypt'],
    ]);
    expect(sids(synth.api.smartEndpoints.revoke)).toEqual([
      ['AssertionReplay', 'dynamodb:PutItem'],
      ['TableKeyViaDynamoDB', 'kms:Decrypt'],
    ]);
    const variables = variablesOf(synth, synth.api.smartEndpoints.introspect);
    const apps = JSON.stringify(variables.SMART_APP_CLIENT_IDS);
    for (const { client } of synth.api.identity.smartClients)
      expect(apps).toContain(logicalId(synth, client));
    expect(apps).not.toContain(logicalId(synth, synth.api.identity.client));
  });
});

describe('the token key', () => {
  it('is an asymmetric RSA signing key, retained, that IAM may use only to sign and read its public half', () => {
    const key = props(synth.dataTemplate.Resources[tokenKeyOf(synth)]);
    expect(key).toMatchObject({ KeySpec: 'RSA_2048', KeyUsage: 'SIGN_VERIFY' });
    // KMS cannot rotate asymmetric keys: EnableKeyRotation must stay unset.
    expect(key.EnableKeyRotation).toBeUndefined();
    expect(synth.dataTemplate.Resources[tokenKeyOf(synth)]?.DeletionPolicy).toBe('Retain');
    const statements = z
      .object({
        Statement: z.array(z.object({ Sid: z.string(), Action: z.union([z.string(), z.array(z.string())]) })),
      })
      .parse(key.KeyPolicy).Statement;
    const use = statements.find((statement) => statement.Sid === 'UseDelegatedToIam');
    expect([use?.Action].flat().sort()).toEqual(['kms:GetPublicKey', 'kms:Sign']);
    expect(JSON.stringify(statements)).not.toContain('"kms:*"');
  });
});

describe('discovery', () => {
  it('serves GET /.well-known/smart-configuration without an authorizer, from a function with no grants', () => {
    const method = resource(synth, logicalId(synth, synth.api.smartEndpoints.configurationMethod));
    expect(method).toMatchObject({ HttpMethod: 'GET', AuthorizationType: 'NONE' });
    expect(JSON.stringify(method.Integration)).toContain(
      logicalId(synth, synth.api.smartEndpoints.configuration.function),
    );
    expect(grantsOf(synth, synth.api.smartEndpoints.configuration)).toEqual([]);
    expect(
      JSON.stringify(variablesOf(synth, synth.api.smartEndpoints.configuration).USER_POOL_ISSUER),
    ).toContain(logicalId(synth, synth.api.identity.userPool));
  });
});

describe('the stack', () => {
  it('alarms on errors and throttles of the authorizer and the token function', () => {
    const alarms = resourcesOfType(synth.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, a]) => props(a));
    for (const fn of [synth.api.authorizer.function, synth.api.smartEndpoints.token]) {
      const id = logicalId(synth, fn.function);
      const metrics = alarms
        .filter((alarm) => JSON.stringify(alarm.Dimensions ?? []).includes(id))
        .map((alarm) => alarm.MetricName);
      expect(metrics.sort(), fn.node.id).toEqual(['Errors', 'Throttles']);
    }
  });

  it('stays under CloudFormation’s 500 resources per stack', () => {
    // The route groups' nested stacks are counted in test/infra/scale.test.ts.
    expect(Object.keys(synth.apiRootTemplate.Resources).length).toBeLessThan(500);
  });
});

describe('smartBackendClients in the stage', () => {
  const client = TEST_CONTEXT.smartBackendClients[0];
  const parse = (clients: unknown) => () =>
    parseStageConfig((key) => (key === 'smartBackendClients' ? clients : undefined));

  it('takes the test stage’s clients, and refuses what cannot be served safely', () => {
    expect(
      parseStageConfig((key) =>
        key === 'smartBackendClients' ? TEST_CONTEXT.smartBackendClients : undefined,
      ).smartBackendClients,
    ).toHaveLength(2);
    const key = client?.jwks?.keys[0];
    expect(parse([{ ...client, jwks: { keys: [{ ...key, d: 'private' }] } }])).toThrow(/no private members/);
    expect(parse([{ ...client, scopes: 'patient/Patient.rs' }])).toThrow(/system\/ scopes only/);
    expect(parse([{ ...client, jwksUrl: 'https://keys.example.com/jwks.json' }])).toThrow(
      /either jwks or jwksUrl/,
    );
    expect(parse([{ ...client, jwks: undefined }])).toThrow(/either jwks or jwksUrl/);
    expect(parse([{ ...client, role: 'clinician' }])).toThrow(/smartBackendClients/);
    expect(parse([client, client])).toThrow(/unique/);
    expect(parse([{ ...client, jwks: undefined, jwksUrl: 'http://keys.example.com/jwks.json' }])).toThrow(
      /jwksUrl/,
    );
  });
});
