/**
 * FHIR conditional create (https://hl7.org/fhir/R4/http.html#ccreate): `If-None-Exist: <search
 * query>` on POST, or `request.ifNoneExist` of a batch entry (which the batch sends to the route
 * as this header). No match: create (201); one: the existing resource (200), nothing created;
 * several: 412.
 *
 * Matches are what the caller's search finds, so after the access policy: a record the caller
 * may not see is not a match, and its existence is not revealed by a 200 or a 412. The check
 * and the create are not one transaction: two racing requests with the same criteria can both
 * create. Retries are what Idempotency-Key guarantees (a batch's key covers its entries).
 */
import type * as z from 'zod/mini';
import { BadRequestError, PreconditionFailedError } from '../base/errors.ts';
import { unknownParameters } from './query.ts';
import { assertPercentEncoding } from './route-match.ts';

export const IF_NONE_EXIST_HEADER = 'if-none-exist';

/** Candidates the check reads: one page of the search, as a batch entry's search would. */
export const IF_NONE_EXIST_PAGE = 100;

const NOT_CRITERIA = new Set(['_count', '_cursor', '_summary', '_format', '_pretty']);

const invalid = (message: string) =>
  new BadRequestError(`If-None-Exist ${message}`, {
    details: [{ location: 'header.If-None-Exist', message }],
  });

/**
 * The search criteria of `If-None-Exist` (`identifier=sys|123&family=x`, a leading `?` or
 * `Patient?` allowed), parsed with the type's search schema; undefined without the header.
 */
export function ifNoneExistOf<S extends z.ZodMiniType>(
  headers: Readonly<Record<string, string>>,
  schema: S,
): z.infer<S> | undefined {
  const raw = headers[IF_NONE_EXIST_HEADER]?.trim();
  if (raw === undefined) return undefined;
  const query = raw.replace(/^[A-Za-z]*\?/, '');
  assertPercentEncoding(query, 'header.If-None-Exist');
  const entries: [string, string | string[]][] = [];
  const seen = new Map<string, string[]>();
  for (const [name, value] of new URLSearchParams(query)) {
    if (NOT_CRITERIA.has(name)) throw invalid(`takes search criteria only, not ${name}`);
    seen.set(name, [...(seen.get(name) ?? []), value]);
  }
  for (const [name, values] of seen) entries.push([name, values.length === 1 ? (values[0] ?? '') : values]);
  if (entries.length === 0) throw invalid('must name at least one search parameter');
  const parsed = schema.safeParse(Object.fromEntries(entries));
  if (!parsed.success) {
    throw new BadRequestError('If-None-Exist is not a valid search', {
      details: parsed.error.issues.map((issue) => ({
        location: ['header.If-None-Exist', ...issue.path.map(String)].join('.'),
        message: issue.code === 'unrecognized_keys' ? unknownParameters(schema, issue.keys) : issue.message,
      })),
    });
  }
  return parsed.data;
}

/** Creates unless the search finds the resource: what the caller gets, and whether it is new. */
export async function createIfNoneExist<T>(
  search: () => Promise<{ matches: T[]; next?: string | undefined }>,
  create: () => Promise<T>,
): Promise<{ stored: T; created: boolean }> {
  const { matches, next } = await search();
  const [only] = matches;
  if (matches.length > 1) {
    throw new PreconditionFailedError('If-None-Exist matches more than one resource');
  }
  if (next !== undefined) {
    // More candidates than one page holds: too broad to decide with one page's read.
    throw new PreconditionFailedError('If-None-Exist is not selective enough; add criteria');
  }
  if (only !== undefined) return { stored: only, created: false };
  return { stored: await create(), created: true };
}
