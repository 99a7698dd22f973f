import { describe, expect, it } from 'vitest';
import { ConfigError, parseSmartLoginConfig, parseSmartTriggerConfig } from '../../shared/config.ts';

describe('the SMART login functions’ configuration', () => {
  const clients =
    '[{"clientId":"4example","redirectUris":["https://app.example.com/cb"],"scopes":["openid"]}]';

  it('reads the managed login URL and the registered clients as JSON', () => {
    expect(
      parseSmartLoginConfig({
        AUTHORIZATION_SERVER: 'https://fhir-records-test.auth.eu-west-1.amazoncognito.com',
        SMART_CLIENTS: clients,
      }),
    ).toEqual({
      AUTHORIZATION_SERVER: 'https://fhir-records-test.auth.eu-west-1.amazoncognito.com',
      SMART_CLIENTS: [
        { clientId: '4example', redirectUris: ['https://app.example.com/cb'], scopes: ['openid'] },
      ],
    });
  });

  it('refuses a missing server or clients that are not JSON, naming the variable only', () => {
    expect(() => parseSmartLoginConfig({ SMART_CLIENTS: clients })).toThrow(ConfigError);
    expect(() =>
      parseSmartLoginConfig({ AUTHORIZATION_SERVER: 'https://x.example.com', SMART_CLIENTS: '{secret' }),
    ).toThrow(/^invalid configuration: SMART_CLIENTS$/);
  });

  it('gives the trigger an https FHIR base URL or none', () => {
    expect(parseSmartTriggerConfig({}).FHIR_BASE_URL).toBeUndefined();
    expect(parseSmartTriggerConfig({ FHIR_BASE_URL: 'https://api.example.com' }).FHIR_BASE_URL).toBe(
      'https://api.example.com',
    );
    expect(() => parseSmartTriggerConfig({ FHIR_BASE_URL: 'http://api.example.com' })).toThrow(ConfigError);
  });
});
