import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import { toHttpError } from '../../../shared/http/request.ts';
import { parseIfMatch } from '../../../shared/http/response.ts';

const named = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(name), { name }, extra);

describe('mapping what was thrown to an HTTP answer', () => {
  it('answers a DynamoDB item-size ValidationException with 413, and other validation failures with 500', () => {
    const tooLarge = Object.assign(new Error('Item size has exceeded the maximum allowed size'), {
      name: 'ValidationException',
    });
    expect(toHttpError(tooLarge).status).toBe(413);
    expect(toHttpError(tooLarge).code).toBe('too-long');
    const other = Object.assign(new Error('One or more parameter values were invalid'), {
      name: 'ValidationException',
    });
    expect(toHttpError(other).status).toBe(500);
  });

  it('answers throttling with 429 and Retry-After', () => {
    for (const name of [
      'ProvisionedThroughputExceededException',
      'ThrottlingException',
      'RequestLimitExceeded',
    ]) {
      const error = toHttpError(named(name));
      expect(error.status).toBe(429);
      expect(error.headers['Retry-After']).toBe('1');
    }
  });

  it('answers transient failures and a failing key service with 503', () => {
    for (const name of [
      'TimeoutError',
      'InternalServerError',
      'KeyServiceError',
      'TransactionConflictException',
    ]) {
      expect(toHttpError(named(name)).status).toBe(503);
    }
  });

  it('reads a cancelled transaction by its reasons', () => {
    const throttled = named('TransactionCanceledException', {
      CancellationReasons: [{ Code: 'ThrottlingError' }],
    });
    const conflict = named('TransactionCanceledException', {
      CancellationReasons: [{ Code: 'TransactionConflict' }],
    });
    expect(toHttpError(throttled).status).toBe(429);
    expect(toHttpError(conflict).status).toBe(503);
  });

  it('hides everything about an unknown error behind a 500', () => {
    const error = toHttpError(new Error('password=hunter2'));
    expect(error.status).toBe(500);
    expect(error.message).toBe('internal error');
  });

  it('passes HttpErrors through unchanged', () => {
    const error = new HttpError(418, 'processing', 'teapot');
    expect(toHttpError(error)).toBe(error);
  });
});

describe('If-Match', () => {
  it('reads weak and strong version ETags', () => {
    expect(parseIfMatch('W/"3"')).toBe(3);
    expect(parseIfMatch('"12"')).toBe(12);
    expect(parseIfMatch(undefined)).toBeUndefined();
  });

  it('refuses anything else with a 400', () => {
    for (const value of ['3', 'W/3', '*', 'W/"x"']) expect(() => parseIfMatch(value)).toThrow(/If-Match/);
  });
});
