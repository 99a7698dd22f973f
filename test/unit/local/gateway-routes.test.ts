import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileRoutes } from '../../../shared/http/route-match.ts';
import { routeEntries } from '../../../shared/routes.ts';

const root = resolve(import.meta.dirname, '../../..');

describe('the route table as the local gateway reads it', () => {
  it('has a handler file exporting `handler` for every route', () => {
    for (const [id, def] of routeEntries()) {
      const file = resolve(root, def.handler);
      expect(existsSync(file), `${id}: ${def.handler}`).toBe(true);
      expect(readFileSync(file, 'utf8'), id).toMatch(/export const handler\b/);
    }
  });

  it('has no two routes with the same method and path', () => {
    const seen = routeEntries().map(([, def]) => `${def.method} ${def.path}`);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('gives every authenticated route roles and an audit action', () => {
    for (const [id, def] of routeEntries()) {
      if (def.auth === 'none') continue;
      expect(def.roles.length, id).toBeGreaterThan(0);
      expect(def.audit, id).toBeDefined();
    }
  });

  it('matches paths segment by segment, names the parameters, and keeps literal segments literal', () => {
    const compiled = compileRoutes();
    const vread = compiled.find((route) => route.def.path === '/Patient/{id}/_history/{vid}');
    expect(vread?.names).toEqual(['id', 'vid']);
    expect(vread?.pattern.exec('/Patient/abc/_history/2')?.slice(1)).toEqual(['abc', '2']);
    expect(vread?.pattern.test('/Patient/abc/_historyX/2')).toBe(false);
    const read = compiled.find((route) => route.def.path === '/Patient/{id}' && route.def.method === 'GET');
    expect(read?.pattern.test('/Patient/a/b')).toBe(false);
  });
});
