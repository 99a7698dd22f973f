import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import { startRange } from '../../../shared/schedule/search.ts';

const at = (text: string): number => Date.parse(text);

describe('the range of starts a date search asks for', () => {
  it('is no range without a date', () => {
    expect(startRange([])).toEqual({});
  });

  it('reads a bare day as that UTC day, and eq the same', () => {
    const day = { from: at('2026-12-01T00:00:00Z'), to: at('2026-12-02T00:00:00Z') };
    expect(startRange(['2026-12-01'])).toEqual(day);
    expect(startRange(['eq2026-12-01'])).toEqual(day);
  });

  it('reads ge, gt, le and lt on days and on instants to the second', () => {
    expect(startRange(['ge2026-12-01'])).toEqual({ from: at('2026-12-01T00:00:00Z') });
    expect(startRange(['gt2026-12-01'])).toEqual({ from: at('2026-12-02T00:00:00Z') });
    expect(startRange(['le2026-12-01'])).toEqual({ to: at('2026-12-02T00:00:00Z') });
    expect(startRange(['lt2026-12-01'])).toEqual({ to: at('2026-12-01T00:00:00Z') });
    expect(startRange(['gt2026-12-01T10:00:00+01:00'])).toEqual({ from: at('2026-12-01T09:00:01Z') });
    expect(startRange(['le2026-12-01T09:00:00Z'])).toEqual({ to: at('2026-12-01T09:00:01Z') });
  });

  it('applies every value given: the narrowest range wins', () => {
    expect(startRange(['ge2026-12-01', 'lt2026-12-08', 'ge2026-12-03'])).toEqual({
      from: at('2026-12-03T00:00:00Z'),
      to: at('2026-12-08T00:00:00Z'),
    });
  });

  it('is a 400 on query.date for a value that is no date', () => {
    let status: number | undefined;
    try {
      startRange(['ge2026-13-45']);
    } catch (error) {
      if (error instanceof HttpError) status = error.status;
      expect(error instanceof HttpError && error.details[0]?.location).toBe('query.date');
    }
    expect(status).toBe(400);
  });
});
