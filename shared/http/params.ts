import * as z from 'zod/mini';
import { normalizeForSearch, PREFIX_LENGTH, searchLength } from '../crypto/normalize.ts';
import { id } from '../fhir/primitives.ts';

/** Path and query parameter schemas shared by routes. Query values arrive as strings. */

export const IdParams = z.strictObject({ id });
export const VersionParams = z.strictObject({
  id,
  vid: z.string().check(z.regex(/^[1-9][0-9]{0,8}$/, 'must be a version number')),
});

/** `_count`: 1 to 100, default 20. */
export const count = z._default(
  z.pipe(
    z.string().check(z.regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 100')),
    z.pipe(
      z.transform(Number),
      z.number().check(z.gte(1, 'must be at least 1'), z.lte(100, 'must be at most 100')),
    ),
  ),
  20,
);

export const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(4096)));

const singleValue = (max: number) =>
  z.string('must be given once').check(
    z.minLength(1, 'must not be empty'),
    z.maxLength(max, `must be at most ${max} characters`),
    z.refine((value) => !value.includes(','), 'comma-separated alternatives are not supported'),
  );

/** A single search value: no repeats, no comma-separated OR lists (not served). */
export const searchValue = (max = 256) => z.optional(singleValue(max));

/**
 * A name matched by how it starts, over prefix tokens of `PREFIX_LENGTH` characters: a shorter
 * value (once normalized) would need a token per one- and two-letter start, so it is refused;
 * `<param>:exact` finds a shorter name whole.
 */
export const nameStartValue = (param: string) =>
  z.optional(
    singleValue(256).check(
      z.refine(
        (value) => searchLength(normalizeForSearch(value)) >= PREFIX_LENGTH,
        `${param} must have at least ${PREFIX_LENGTH} characters: names are found by how they start (${param}:exact finds a shorter name whole)`,
      ),
    ),
  );

export const HistoryQuery = z.strictObject({ _count: count, _cursor: cursor });
