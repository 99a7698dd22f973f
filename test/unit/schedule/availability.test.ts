import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import { availabilityPeriod, MAX_AVAILABILITY_MS } from '../../../shared/schedule/availability.ts';

const at = (text: string): number => Date.parse(text);

function refused(start: string, end: string): { status: number; location?: string | undefined } {
  try {
    availabilityPeriod(start, end);
  } catch (error) {
    if (error instanceof HttpError) return { status: error.status, location: error.details[0]?.location };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('the period availability is asked for', () => {
  it('is start and end as instants, up to 31 days apart', () => {
    expect(availabilityPeriod('2026-12-01T00:00:00Z', '2026-12-01T23:55:00+01:00')).toEqual({
      from: at('2026-12-01T00:00:00Z'),
      to: at('2026-12-01T22:55:00Z'),
    });
    const from = at('2026-12-01T00:00:00Z');
    expect(
      availabilityPeriod(new Date(from).toISOString(), new Date(from + MAX_AVAILABILITY_MS).toISOString()).to,
    ).toBe(from + MAX_AVAILABILITY_MS);
  });

  it('is a 400 naming the parameter for an invalid instant, an end not after start, or a longer period', () => {
    expect(refused('yesterday', '2026-12-01T00:00:00Z')).toEqual({ status: 400, location: 'query.start' });
    expect(refused('2026-12-01T00:00:00Z', 'soon')).toEqual({ status: 400, location: 'query.end' });
    expect(refused('2026-12-01T00:00:00Z', '2026-12-01T00:00:00Z')).toEqual({
      status: 400,
      location: 'query.end',
    });
    expect(refused('2026-12-01T00:00:00Z', '2027-01-01T00:00:01Z')).toEqual({
      status: 400,
      location: 'query.end',
    });
  });
});
