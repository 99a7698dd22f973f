import { describe, expect, it } from 'vitest';
import { cursorBinding, pathOf } from '../../../shared/http/page-links.ts';
import { routes } from '../../../shared/routes.ts';

describe('pathOf', () => {
  it('fills the path parameters of an instance route', () => {
    expect(pathOf(routes.patientHistory.path, { id: 'p1' })).toBe('/Patient/p1/_history');
    expect(pathOf(routes.searchPatients.path, undefined)).toBe('/Patient');
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
