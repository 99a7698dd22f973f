/**
 * The query contract of a clinical type's search, from its definition: every served parameter
 * (string parameters also with `:exact` and `:contains`), repeated for an AND and
 * comma-separated for an OR, plus `_count`, `_cursor`, `_sort` and `_include`. Anything else,
 * an unknown parameter or a modifier not served, is a 400 naming it.
 */
import * as z from 'zod/mini';
import { dateCriterion, SERVED_MODIFIERS } from '../fhir/search-match.ts';
import type { ClinicalDefinition, SearchParameter } from '../resources/definition.ts';
import { includeValues } from '../resources/registry.ts';
import { count, cursor } from './params.ts';

const ID = /^[A-Za-z0-9.-]{1,64}$/;
const MAX_VALUE = 256;
/** Repeats of one parameter: enough for a range (`ge`, `lt`) and then some. */
const MAX_REPEATS = 8;

const alternatives = (value: string): string[] => value.split(',');

function valueSchema(parameter: SearchParameter) {
  const text = z
    .string()
    .check(
      z.minLength(1, 'must not be empty'),
      z.maxLength(MAX_VALUE, `must be at most ${MAX_VALUE} characters`),
    );
  switch (parameter.type) {
    case 'date':
      return text.check(
        z.refine(
          (value) => alternatives(value).every((one) => dateCriterion(one) !== undefined),
          'must be a date (YYYY, YYYY-MM, YYYY-MM-DD or a dateTime with a time zone), after an optional prefix eq, ne, gt, lt, ge, le, sa or eb',
        ),
      );
    case 'reference': {
      const targets = parameter.target ?? [];
      return text.check(
        z.refine(
          (value) =>
            alternatives(value).every((one) => {
              const [first = '', second, ...rest] = one.split('/');
              if (rest.length > 0) return false;
              return second === undefined ? ID.test(first) : targets.includes(first) && ID.test(second);
            }),
          `must be an id or a reference ${targets.map((target) => `${target}/{id}`).join(', ')}`,
        ),
      );
    }
    case 'token':
      return parameter.name === '_id'
        ? text.check(z.refine((value) => alternatives(value).every((one) => ID.test(one)), 'must be ids'))
        : text;
    default:
      return text;
  }
}

function repeatable<S extends z.ZodMiniType<string>>(one: S) {
  return z.optional(
    z.union([
      one,
      z.array(one).check(z.maxLength(MAX_REPEATS, `may be repeated at most ${MAX_REPEATS} times`)),
    ]),
  );
}

export function clinicalQuery(definition: ClinicalDefinition) {
  const shape: Record<string, z.ZodMiniType> = {};
  for (const parameter of definition.searchParameters) {
    const one = valueSchema(parameter);
    // One patient per search: the search reads that patient's partition.
    shape[parameter.name] =
      parameter.name === 'patient'
        ? z.optional(
            z
              .string('must be given once')
              .check(
                z.refine(
                  (value) => !value.includes(',') && one.safeParse(value).success,
                  'must name one patient: Patient/{id} or an id',
                ),
              ),
          )
        : repeatable(one);
    for (const modifier of SERVED_MODIFIERS[parameter.type])
      shape[`${parameter.name}:${modifier}`] = repeatable(one);
  }
  const includes = includeValues(definition);
  const sorts = [definition.sortDate, '_lastUpdated'].filter((name) => name !== undefined);
  return z.strictObject({
    ...shape,
    _count: count,
    _cursor: cursor,
    _sort: z.optional(
      z.enum(
        sorts.flatMap((name) => [name, `-${name}`]),
        `must be one of: ${sorts.flatMap((name) => [name, `-${name}`]).join(', ')}`,
      ),
    ),
    _include: repeatable(z.enum(includes, `must be one of: ${includes.join(', ')}`)),
  });
}
