import { describe, expect, it } from 'vitest';
import { parseStageConfig, StageConfigError } from '../../infra/stage.ts';

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
});
