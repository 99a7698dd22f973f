import { describe, expect, it } from 'vitest';
import { parseStageConfig, ROUTE_RESOURCE_TYPES, StageConfigError } from '../../infra/stage.ts';

const from = (context: Record<string, unknown>) => parseStageConfig((key) => context[key]);

describe('stage context', () => {
  it('defaults to a dev stage in us-east-1 with modest limits', () => {
    expect(from({})).toMatchObject({
      stage: 'dev',
      region: 'us-east-1',
      portalOrigin: ['https://portal.example.com'],
      reservedConcurrency: 5,
      memorySize: 512,
    });
    expect(from({}).account).toBeUndefined();
  });

  it('reads -c values given as strings, numbers included, and a comma-separated origin list', () => {
    expect(
      from({
        stage: 'prod',
        reservedConcurrency: '20',
        portalOrigin: 'https://a.example.com, https://b.example.com/',
      }),
    ).toMatchObject({
      stage: 'prod',
      reservedConcurrency: 20,
      portalOrigin: ['https://a.example.com', 'https://b.example.com'],
    });
  });

  it('refuses a plain-http portal origin, a bad account and a custom domain without its certificate', () => {
    expect(() => from({ portalOrigin: 'http://portal.example.com' })).toThrow(StageConfigError);
    expect(() => from({ account: '1234' })).toThrow(/account/);
    expect(() => from({ customDomain: 'api.example.com' })).toThrow(/certificateArn/);
  });

  it('treats an empty value as not given', () => {
    expect(from({ alarmEmail: '' }).alarmEmail).toBeUndefined();
  });

  describe('smartApps', () => {
    const app = {
      name: 'patient-app',
      redirectUris: ['https://app.example.com/callback', 'http://localhost:5173/callback'],
      scopes: 'openid fhirUser launch/patient patient/Patient.rs offline_access',
    };

    it('has none by default, and reads a list from cdk.json or the same JSON as a -c string', () => {
      expect(from({}).smartApps).toEqual([]);
      expect(from({ smartApps: [app] }).smartApps).toEqual([app]);
      expect(from({ smartApps: JSON.stringify([app]) }).smartApps).toEqual([app]);
    });

    it.each([
      [
        'a system/ scope',
        { scopes: 'openid system/Patient.rs' },
        /smartApps\.0\.scopes: system\/Patient\.rs is not a scope Cognito can grant/,
      ],
      [
        'a granular scope',
        { scopes: 'patient/Patient.rs?identifier=x' },
        /patient\/Patient\.rs\?identifier=x is not a scope Cognito can grant/,
      ],
      [
        'a type the API does not serve',
        { scopes: 'patient/Medication.rs' },
        /patient\/Medication\.rs is not a scope/,
      ],
      ['no scope', { scopes: ' ' }, /smartApps\.0\.scopes: no scope/],
      [
        'more scopes than Cognito allows a client',
        {
          scopes: ROUTE_RESOURCE_TYPES.flatMap((type) =>
            ['patient', 'user'].flatMap((context) =>
              ['rs', 'cruds', 'read', 'write'].map((suffix) => `${context}/${type}.${suffix}`),
            ),
          )
            .concat(
              ['r', 's', 'rs', 'c', 'u', 'd', 'cu', 'cud', 'cruds', 'read', 'write'].flatMap((suffix) => [
                `patient/*.${suffix}`,
                `user/*.${suffix}`,
              ]),
            )
            .join(' '),
        },
        /at most 49 scopes/,
      ],
      ['a plain-http redirect URI', { redirectUris: ['http://app.example.com/callback'] }, /redirectUris\.0/],
      [
        'a redirect URI with a fragment',
        { redirectUris: ['https://app.example.com/cb#x'] },
        /redirectUris\.0/,
      ],
      ['no redirect URI', { redirectUris: [] }, /redirectUris/],
      ['a name that cannot name a client', { name: 'Patient App' }, /smartApps\.0\.name/],
      ['an unknown field', { secret: 'x' }, /smartApps\.0/],
    ])('refuses an entry with %s, naming it', (_case, change, message) => {
      expect(() => from({ smartApps: [{ ...app, ...change }] })).toThrow(StageConfigError);
      expect(() => from({ smartApps: [{ ...app, ...change }] })).toThrow(message);
    });

    it('refuses JSON that is not a list, and two apps of the same name', () => {
      expect(() => from({ smartApps: '{not json' })).toThrow(/smartApps: a JSON list/);
      expect(() => from({ smartApps: [app, { ...app }] })).toThrow(/SMART app names must be unique/);
    });
  });
});
