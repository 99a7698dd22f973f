import { HttpError } from '../base/errors.ts';
import { type BundleEntry, bundle, searchUrl } from '../fhir/bundle.ts';
import { isRecord, type LinkBase } from './page-links.ts';
import { type FhirResponse, ok, weakETag } from './response.ts';

/** One match of a search page; `fullUrl` where the match is not readable at `<type>/<id>`. */
export interface SearchMatch {
  id: string;
  resource: unknown;
  fullUrl?: string;
}

export interface SearchPage {
  matches: readonly SearchMatch[];
  /** What `_include` or `_revinclude` brought besides the matches (search.mode `include`). */
  included?: readonly SearchMatch[];
  next?: string | undefined;
}

/** Reads one page of a search: from `cursor` (the first page without one), `count` matches at most. */
export type SearchPages = (page: { cursor: string | undefined; count: number }) => Promise<SearchPage>;

/** What of the request its page links need. */
export interface PagedRequest {
  baseUrl: string;
  query: unknown;
  format: string | undefined;
  linkBase: LinkBase;
}

/** What of the request a searchset needs: its paging parameters, `_summary` and links. */
export interface SearchsetRequest extends PagedRequest {
  summary: 'count' | undefined;
}

/**
 * The link to the page that starts at `cursor` (the first page without one). GET links repeat
 * the parsed query (with its defaults) and `_format`. `POST /<type>/_search` links carry the
 * opaque cursor and nothing else, pointing at the same `_search` URL, and the client POSTs the
 * same form to the `next` link: a GET link could only carry the criteria in the URL (the cursor
 * is bound to the query, it does not hold it), which searching by POST avoids.
 */
export function pageLink(request: PagedRequest, cursor: string | undefined): string {
  const { url, cursorOnly } = request.linkBase;
  if (cursorOnly) return cursor ? searchUrl(url, '', { _cursor: cursor }) : url;
  const criteria: Record<string, string | string[]> = {};
  const { _cursor: _, ...parsed } = isRecord(request.query) ? request.query : {};
  for (const [name, value] of Object.entries(parsed)) {
    if (value !== undefined) criteria[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  if (request.format !== undefined) criteria._format = request.format;
  return searchUrl(url, '', { ...criteria, _cursor: cursor });
}

/** The `self` link of a `_summary=count` answer: the query as it came (POST: the `_search` URL). */
const countLink = ({ url, cursorOnly, received }: LinkBase): string =>
  cursorOnly ? url : searchUrl(url, '', { ...received, _summary: 'count' });

/** Pages a count reads at most: 20 pages of 100 matches. */
export const MAX_COUNT_PAGES = 20;
const COUNT_PAGE_SIZE = 100;

/**
 * A search's answer: one page as a searchset Bundle, or for `_summary=count` its total. The
 * search has no cheap count (its matches are filtered by the access policy page by page), so
 * it is counted by reading its pages, up to a cap; past the cap the answer is a 422 asking for
 * a narrower search rather than a wrong total.
 */
export async function searchsetResponse(
  request: SearchsetRequest,
  resourceType: string,
  search: SearchPages,
  defaultCount = 20,
): Promise<FhirResponse> {
  if (request.summary === 'count') {
    const total = await countMatches(search);
    return ok({
      resourceType: 'Bundle',
      type: 'searchset',
      total,
      link: [{ relation: 'self', url: countLink(request.linkBase) }],
    });
  }
  const { _cursor: cursor, _count: count } = pagingOf(request.query);
  const page = await search({ cursor, count: count ?? defaultCount });
  return ok(
    bundle(
      'searchset',
      [
        ...page.matches.map((match) => ({
          fullUrl: match.fullUrl ?? `${request.baseUrl}/${resourceType}/${match.id}`,
          resource: match.resource,
          search: { mode: 'match' as const },
        })),
        ...(page.included ?? []).map((match) => ({
          fullUrl: match.fullUrl ?? `${request.baseUrl}/${resourceType}/${match.id}`,
          resource: match.resource,
          search: { mode: 'include' as const },
        })),
      ],
      {
        self: pageLink(request, cursor),
        next: page.next ? pageLink(request, page.next) : undefined,
      },
    ),
  );
}

async function countMatches(search: SearchPages): Promise<number> {
  let total = 0;
  let cursor: string | undefined;
  for (let page = 0; page < MAX_COUNT_PAGES; page++) {
    const { matches, next } = await search({ cursor, count: COUNT_PAGE_SIZE });
    total += matches.length;
    if (!next) return total;
    cursor = next;
  }
  throw new HttpError(
    422,
    'too-costly',
    `more than ${MAX_COUNT_PAGES * COUNT_PAGE_SIZE} matches are not counted; narrow the search`,
  );
}

/** One version of a resource, as its history lists it. */
export interface HistoryVersion {
  versionId: number;
  lastUpdated: string;
  deleted?: boolean;
  resource: unknown;
}

export interface HistoryPage {
  versions: readonly HistoryVersion[];
  next?: string | undefined;
}

/**
 * `GET /<type>/{id}/_history`: each version as the interaction that made it (POST for the
 * first, PUT after, DELETE for a deletion marker, which carries no resource).
 */
export function historyResponse(
  request: PagedRequest,
  resourceType: string,
  id: string,
  page: HistoryPage,
): FhirResponse {
  const entries = page.versions.map(
    (version): BundleEntry => ({
      fullUrl: `${request.baseUrl}/${resourceType}/${id}`,
      ...(version.deleted ? {} : { resource: version.resource }),
      request: {
        method: version.deleted ? 'DELETE' : version.versionId === 1 ? 'POST' : 'PUT',
        url: `${resourceType}/${id}`,
      },
      response: {
        status: version.deleted ? '204' : version.versionId === 1 ? '201' : '200',
        etag: weakETag(version.versionId),
        lastModified: version.lastUpdated,
      },
    }),
  );
  const { _cursor: cursor } = pagingOf(request.query);
  return ok(
    bundle('history', entries, {
      self: pageLink(request, cursor),
      next: page.next ? pageLink(request, page.next) : undefined,
    }),
  );
}

/** `_count` and `_cursor` of a parsed query, where the contract has them. */
function pagingOf(query: unknown): { _cursor: string | undefined; _count: number | undefined } {
  const record = isRecord(query) ? query : {};
  return {
    _cursor: typeof record._cursor === 'string' ? record._cursor : undefined,
    _count: typeof record._count === 'number' ? record._count : undefined,
  };
}
