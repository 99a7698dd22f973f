import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import {
  historyResponse,
  pageLink,
  type SearchPages,
  searchsetResponse,
} from '../../../shared/http/bundles.ts';

const BASE = 'https://api.example.test';
/** A search `GET /Patient?family=x` as the stack describes it. */
const paged = (query: Record<string, unknown>) => ({
  baseUrl: BASE,
  query: { family: 'x', ...query },
  format: undefined,
  linkBase: { url: `${BASE}/Patient`, cursorOnly: false, received: { family: 'x' } },
});

/** A search over `total` matches, pages of `count` from a numeric cursor; it records its calls. */
function pagesOf(total: number) {
  const calls: { cursor: string | undefined; count: number }[] = [];
  const search: SearchPages = async (page) => {
    calls.push(page);
    const start = Number(page.cursor ?? 0);
    const end = Math.min(total, start + page.count);
    const matches = Array.from({ length: end - start }, (_, index) => ({
      id: `p${start + index}`,
      resource: { resourceType: 'Patient', id: `p${start + index}` },
    }));
    return end < total ? { matches, next: String(end) } : { matches };
  };
  return { search, calls };
}

describe('searchsetResponse', () => {
  it('reads one page from the request cursor and links self and next', async () => {
    const { search, calls } = pagesOf(5);
    const request = { ...paged({ _count: 2, _cursor: '1' }), summary: undefined };
    const response = await searchsetResponse(request, 'Patient', search);
    expect(calls).toEqual([{ cursor: '1', count: 2 }]);
    expect(response.body).toEqual({
      resourceType: 'Bundle',
      type: 'searchset',
      link: [
        { relation: 'self', url: `${BASE}/Patient?family=x&_count=2&_cursor=1` },
        { relation: 'next', url: `${BASE}/Patient?family=x&_count=2&_cursor=3` },
      ],
      entry: [
        {
          fullUrl: `${BASE}/Patient/p1`,
          resource: { resourceType: 'Patient', id: 'p1' },
          search: { mode: 'match' },
        },
        {
          fullUrl: `${BASE}/Patient/p2`,
          resource: { resourceType: 'Patient', id: 'p2' },
          search: { mode: 'match' },
        },
      ],
    });
  });

  it('takes the default count where the query has none, and a match’s own fullUrl where it has one', async () => {
    const calls: { cursor: string | undefined; count: number }[] = [];
    const response = await searchsetResponse(
      { ...paged({}), summary: undefined },
      'AuditEvent',
      async (page) => {
        calls.push(page);
        return { matches: [{ id: 'e1', fullUrl: 'urn:uuid:e1', resource: {} }] };
      },
      50,
    );
    expect(calls).toEqual([{ cursor: undefined, count: 50 }]);
    expect(response.body).toMatchObject({
      entry: [{ fullUrl: 'urn:uuid:e1' }],
      link: [{ relation: 'self' }],
    });
  });

  it('_summary=count reads every page from the start in pages of 100 and answers only the total', async () => {
    const { search, calls } = pagesOf(250);
    const request = { ...paged({ _count: 2, _cursor: '7' }), summary: 'count' as const };
    const response = await searchsetResponse(request, 'Patient', search);
    expect(calls).toEqual([
      { cursor: undefined, count: 100 },
      { cursor: '100', count: 100 },
      { cursor: '200', count: 100 },
    ]);
    expect(response).toEqual({
      status: 200,
      body: {
        resourceType: 'Bundle',
        type: 'searchset',
        total: 250,
        link: [{ relation: 'self', url: `${BASE}/Patient?family=x&_summary=count` }],
      },
    });
  });

  it('_summary=count past 20 pages is a 422 too-costly, not a wrong total', async () => {
    const { search, calls } = pagesOf(5000);
    const request = { ...paged({}), summary: 'count' as const };
    const error = await searchsetResponse(request, 'Patient', search).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 422, code: 'too-costly' });
    expect(calls).toHaveLength(20);
  });
});

describe('historyResponse', () => {
  it('lists each version as the interaction that made it, a deletion without its resource', () => {
    const response = historyResponse(
      {
        ...paged({}),
        query: { _count: 20 },
        linkBase: { url: `${BASE}/Patient/p1/_history`, cursorOnly: false, received: {} },
      },
      'Patient',
      'p1',
      {
        versions: [
          { versionId: 3, lastUpdated: '2026-01-03T00:00:00Z', deleted: true, resource: { id: 'p1' } },
          { versionId: 2, lastUpdated: '2026-01-02T00:00:00Z', deleted: false, resource: { id: 'p1' } },
          { versionId: 1, lastUpdated: '2026-01-01T00:00:00Z', resource: { id: 'p1' } },
        ],
        next: 'c2',
      },
    );
    expect(response.body).toEqual({
      resourceType: 'Bundle',
      type: 'history',
      link: [
        { relation: 'self', url: `${BASE}/Patient/p1/_history?_count=20` },
        { relation: 'next', url: `${BASE}/Patient/p1/_history?_count=20&_cursor=c2` },
      ],
      entry: [
        {
          fullUrl: `${BASE}/Patient/p1`,
          request: { method: 'DELETE', url: 'Patient/p1' },
          response: { status: '204', etag: 'W/"3"', lastModified: '2026-01-03T00:00:00Z' },
        },
        {
          fullUrl: `${BASE}/Patient/p1`,
          resource: { id: 'p1' },
          request: { method: 'PUT', url: 'Patient/p1' },
          response: { status: '200', etag: 'W/"2"', lastModified: '2026-01-02T00:00:00Z' },
        },
        {
          fullUrl: `${BASE}/Patient/p1`,
          resource: { id: 'p1' },
          request: { method: 'POST', url: 'Patient/p1' },
          response: { status: '201', etag: 'W/"1"', lastModified: '2026-01-01T00:00:00Z' },
        },
      ],
    });
  });
});

describe('pageLink', () => {
  const base = 'https://api.example.test/prod';

  it('GET links repeat the parsed query with its defaults and _format, then the cursor', () => {
    const request = {
      baseUrl: base,
      query: { family: 'Ng', date: ['ge2026-01-01', 'le2026-02-01'], _count: 20, _cursor: 'old' },
      format: 'json',
      linkBase: { url: `${base}/Patient`, cursorOnly: false, received: { family: 'Ng', _cursor: 'old' } },
    };
    expect(pageLink(request, undefined)).toBe(
      `${base}/Patient?family=Ng&date=ge2026-01-01&date=le2026-02-01&_count=20&_format=json`,
    );
    expect(pageLink(request, 'c1')).toBe(
      `${base}/Patient?family=Ng&date=ge2026-01-01&date=le2026-02-01&_count=20&_format=json&_cursor=c1`,
    );
  });

  it('POST _search links point at the _search URL and carry only the cursor, the count’s self link too', async () => {
    const request = {
      baseUrl: base,
      query: { family: 'Ng', _count: 20 },
      format: undefined,
      linkBase: { url: `${base}/Patient/_search`, cursorOnly: true, received: { family: 'Ng' } },
    };
    expect(pageLink(request, undefined)).toBe(`${base}/Patient/_search`);
    expect(pageLink(request, 'c1')).toBe(`${base}/Patient/_search?_cursor=c1`);
    const counted = await searchsetResponse({ ...request, summary: 'count' }, 'Patient', async () => ({
      matches: [],
    }));
    expect(counted.body).toMatchObject({
      total: 0,
      link: [{ relation: 'self', url: `${base}/Patient/_search` }],
    });
  });
});
