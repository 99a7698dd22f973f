import { describe, expect, it } from 'vitest';
import { cursorBinding, pageLinksOf } from '../../../shared/http/page-links.ts';
import { routes } from '../../../shared/routes.ts';

const BASE = 'https://api.example.test/prod';

describe('pageLinksOf', () => {
  it('GET links repeat the parsed query with its defaults and _format, then the cursor', () => {
    const links = pageLinksOf(
      {
        baseUrl: BASE,
        params: undefined,
        query: { family: 'Ng', date: ['ge2026-01-01', 'le2026-02-01'], _count: 20, _cursor: 'old' },
        format: 'json',
        rawQuery: { family: 'Ng', _cursor: 'old' },
      },
      routes.searchPatients,
      false,
    );
    expect(links.page(undefined)).toBe(
      `${BASE}/Patient?family=Ng&date=ge2026-01-01&date=le2026-02-01&_count=20&_format=json`,
    );
    expect(links.page('c1')).toBe(
      `${BASE}/Patient?family=Ng&date=ge2026-01-01&date=le2026-02-01&_count=20&_format=json&_cursor=c1`,
    );
    expect(links.count).toBe(`${BASE}/Patient?family=Ng&_cursor=old&_summary=count`);
  });

  it('POST _search links point at the _search URL and carry only the cursor', () => {
    const links = pageLinksOf(
      {
        baseUrl: BASE,
        params: undefined,
        query: { family: 'Ng', _count: 20 },
        format: undefined,
        rawQuery: {},
      },
      routes.searchPatientsPost,
      true,
    );
    expect(links.page(undefined)).toBe(`${BASE}/Patient/_search`);
    expect(links.page('c1')).toBe(`${BASE}/Patient/_search?_cursor=c1`);
    expect(links.count).toBe(`${BASE}/Patient/_search`);
  });

  it('fills the path parameters of an instance route', () => {
    const links = pageLinksOf(
      { baseUrl: BASE, params: { id: 'p1' }, query: { _count: 5 }, format: undefined, rawQuery: {} },
      routes.patientHistory,
      false,
    );
    expect(links.page('c1')).toBe(`${BASE}/Patient/p1/_history?_count=5&_cursor=c1`);
  });
});

describe('cursorBinding', () => {
  it('is the route, the caller, the path parameters and the query without its cursor', () => {
    expect(cursorBinding('patientHistory', 'sub-1', { id: 'p1' }, { _count: 20, _cursor: 'c' })).toEqual({
      route: 'patientHistory',
      sub: 'sub-1',
      params: { id: 'p1' },
      query: { _count: 20 },
    });
  });

  it('is the same with or without a cursor, and differs by caller, route, parameters and query', () => {
    const base = cursorBinding('searchPatients', 's', undefined, { family: 'Ng', _count: 20 });
    expect(
      cursorBinding('searchPatients', 's', undefined, { family: 'Ng', _count: 20, _cursor: 'c' }),
    ).toEqual(base);
    for (const other of [
      cursorBinding('searchPatients', 't', undefined, { family: 'Ng', _count: 20 }),
      cursorBinding('searchPractitioners', 's', undefined, { family: 'Ng', _count: 20 }),
      cursorBinding('searchPatients', 's', { id: 'x' }, { family: 'Ng', _count: 20 }),
      cursorBinding('searchPatients', 's', undefined, { family: 'Ng', _count: 21 }),
    ]) {
      expect(other).not.toEqual(base);
    }
  });
});
