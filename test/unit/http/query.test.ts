import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { BadRequestError } from '../../../shared/base/errors.ts';
import { parseWith, unknownParameters } from '../../../shared/http/query.ts';

const Query = z.strictObject({
  family: z.optional(z.string()),
  'family:exact': z.optional(z.string()),
  gender: z.optional(z.string()),
});

describe('unknown query parameters', () => {
  it('names an unknown parameter as unknown', () => {
    expect(unknownParameters(Query, ['nickname'])).toBe('unknown parameter: nickname');
    expect(unknownParameters(Query, ['__proto__:x'])).toBe('unknown parameter: __proto__:x');
  });

  it('says of a modifier of a known parameter that it is not served, and which are', () => {
    expect(unknownParameters(Query, ['family:contains'])).toBe(
      'the modifier :contains is not served for family (served: family:exact)',
    );
    expect(unknownParameters(Query, ['gender:not'])).toBe('the modifier :not is not served for gender');
  });

  it('answers a query with an unserved modifier with a 400 naming it', () => {
    let refused: unknown;
    try {
      parseWith(Query, { 'family:contains': 'ull' }, 'query');
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(BadRequestError);
    expect(refused instanceof BadRequestError ? refused.details : []).toEqual([
      {
        location: 'query',
        message: 'the modifier :contains is not served for family (served: family:exact)',
      },
    ]);
  });
});
