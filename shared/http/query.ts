import type { APIGatewayProxyEvent } from 'aws-lambda';
import { BadRequestError } from '../base/errors.ts';
import { describeIssues } from '../fhir/issues.ts';
import type { Out, Schema } from './contract.ts';

/** Path and query parameters by their schema; a mismatch is a 400 naming each parameter. */
export function parseWith<S extends Schema>(schema: S, value: unknown, where: string): Out<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const details = parsed.error.issues.map((issue) => ({
      location: [where, ...issue.path.map(String)].join('.'),
      message: issue.code === 'unrecognized_keys' ? unknownParameters(schema, issue.keys) : issue.message,
    }));
    throw new BadRequestError(`invalid ${where}`, { details });
  }
  return parsed.data as Out<S>;
}

/**
 * What a strict query schema says of keys it does not know: `unknown parameter: nickname`, or,
 * for a modifier of a parameter it does know (`family:contains`), that the modifier is not
 * served, and which are.
 */
export function unknownParameters(schema: Schema, keys: readonly string[]): string {
  const shape: unknown = Reflect.get(schema._zod.def, 'shape');
  const known = typeof shape === 'object' && shape !== null ? Object.keys(shape) : [];
  return keys
    .map((key) => {
      const [parameter = '', modifier] = key.split(':');
      if (modifier === undefined || !known.includes(parameter)) return `unknown parameter: ${key}`;
      const served = known.filter((name) => name.startsWith(`${parameter}:`));
      return `the modifier :${modifier} is not served for ${parameter}${served.length > 0 ? ` (served: ${served.join(', ')})` : ''}`;
    })
    .join('; ');
}

/** A body by its schema; a mismatch is a 400 naming each element (`Patient.birthDate`). */
export function parseBody<S extends Schema>(
  schema: S,
  resourceType: string | undefined,
  raw: unknown,
): Out<S> {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new BadRequestError('the request body is not valid', {
      details: describeIssues(resourceType ?? 'body', parsed.error),
    });
  }
  return parsed.data as Out<S>;
}

/** Query parameters: a repeated name becomes an array (FHIR `date=ge..&date=le..`). */
export function queryOf(event: APIGatewayProxyEvent): Record<string, string | string[]> {
  // Entries, not assignments: a parameter named `__proto__` must stay an ordinary (unknown) key.
  const entries: [string, string | string[]][] = [];
  const multi = event.multiValueQueryStringParameters;
  const source = multi
    ? Object.entries(multi)
    : Object.entries(event.queryStringParameters ?? {}).map(
        ([name, value]) => [name, value === undefined ? undefined : [value]] as const,
      );
  for (const [name, values] of source) {
    if (!values || name === '_format' || name === '_pretty') continue;
    entries.push([name, values.length === 1 && values[0] !== undefined ? values[0] : [...values]]);
  }
  return Object.fromEntries(entries);
}

export const formatOf = (event: APIGatewayProxyEvent): string | undefined =>
  event.multiValueQueryStringParameters?._format?.[0] ?? event.queryStringParameters?._format ?? undefined;

/** Takes `_summary` out of a search's query: `count` is served, `false` means no summary. */
export function takeSummary(query: Record<string, string | string[]>): 'count' | undefined {
  const summary = query._summary;
  delete query._summary;
  if (summary === undefined || summary === 'false') return undefined;
  if (summary === 'count') return 'count';
  throw new BadRequestError('only _summary=count is served', {
    code: 'not-supported',
    details: [{ location: 'query._summary', message: 'must be count' }],
  });
}
