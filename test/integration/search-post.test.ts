import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { type RouteDef, routeEntries, routes } from '../../shared/routes.ts';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { gatewayLogLines } from '../support/gateway-log.ts';
import { createPatient, entryIds, newOrg, nextLink } from '../support/patients.ts';

/**
 * FHIR search by POST (`POST /<type>/_search`, form-encoded parameters), so that search values
 * stay out of URLs and so out of every log and trace that records one. Each POST search answers
 * exactly as its GET twin, and its links carry the opaque cursor and nothing else.
 */
const org = newOrg();
const FORM = 'application/x-www-form-urlencoded';
const FAMILY = 'Quendrithal';
const SSN = '987-65-4329';
const SSN_SYSTEM = 'http://hl7.org/fhir/sid/us-ssn';
let admin: string;
let compliance: string;
const ids: string[] = [];

const post = (path: string, form: string, as = admin, headers: Record<string, string> = {}) =>
  api(path, { method: 'POST', token: as, rawBody: form, headers: { 'content-type': FORM, ...headers } });

const linkUrls = (response: ApiResponse): string[] => {
  const links = field(response.json, 'link');
  return Array.isArray(links) ? links.map((link) => String(field(link, 'url'))) : [];
};

/** Every link names the `_search` URL with at most the opaque cursor: no search value. */
function expectCursorOnlyLinks(response: ApiResponse, path: string): void {
  for (const url of linkUrls(response)) {
    const parsed = new URL(url);
    expect(parsed.pathname).toBe(path);
    expect([...parsed.searchParams.keys()].filter((name) => name !== '_cursor')).toEqual([]);
    expect(url).not.toContain(FAMILY);
    expect(url).not.toContain(SSN);
  }
}

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'sp-admin' });
  compliance = await token({ role: 'compliance', org, sub: 'sp-compliance' });
  for (const [given, birthDate] of [
    ['Ana', '1961-02-03'],
    ['Bea', '1962-03-04'],
    ['Cai', '1963-04-05'],
  ] as const) {
    ids.push(
      await createPatient(admin, {
        resourceType: 'Patient',
        name: [{ family: FAMILY, given: [given] }],
        birthDate,
        gender: 'female',
        identifier: [{ system: SSN_SYSTEM, value: `${SSN}-${given}` }],
      }),
    );
  }
});

/** The gateway's log lines of one request (the log is written as requests finish). */
const logLines = (requestId: string): Promise<string[]> =>
  gatewayLogLines((line) => line.includes(requestId));

describe('POST /<type>/_search', () => {
  it('every GET search of the route table has a POST _search twin with the same roles, policy, audit and parameters', () => {
    const searches = routeEntries().filter(([, def]) => def.interaction === 'search-type');
    const gets = searches.filter(([, def]) => def.method === 'GET');
    expect(gets.length).toBeGreaterThanOrEqual(4);
    for (const [id, def] of gets) {
      const twin = searches.find(
        ([, other]) => other.method === 'POST' && other.path === `${def.path}/_search`,
      );
      if (!twin) throw new Error(`${id} has no POST ${def.path}/_search`);
      const { method: _m, path: _p, handler: _h, summary: _s, ...same } = def;
      const { method: _tm, path: _tp, handler: _th, summary: _ts, ...twinSame }: RouteDef = twin[1];
      expect(twinSame, id).toEqual(same);
    }
  });

  it('finds exactly what GET /Patient finds, for names, birth dates, identifiers and gender', async () => {
    for (const query of [
      `family=${FAMILY}`,
      `family=${FAMILY.toLowerCase()}&given=bea`,
      'birthdate=1963-04-05',
      `identifier=${encodeURIComponent(`${SSN_SYSTEM}|${SSN}-Ana`)}`,
      `family=${FAMILY}&gender=female`,
      `name=${FAMILY}&_count=2`,
    ]) {
      const byGet = await api(`/Patient?${query}`, { token: admin });
      const byPost = await post('/Patient/_search', query);
      expect(byPost.status, `${query}: ${byPost.text}`).toBe(200);
      expect(field(byPost.json, 'type')).toBe('searchset');
      expect(entryIds(byPost).sort(), query).toEqual(entryIds(byGet).sort());
      expect(entryIds(byPost).length, query).toBeGreaterThan(0);
      expectCursorOnlyLinks(byPost, '/Patient/_search');
    }
  });

  it('pages by re-posting the form to the next link, which carries only the opaque cursor, through the same pages as GET', async () => {
    const form = `family=${FAMILY}&_count=1`;
    const walked: string[] = [];
    let response = await post('/Patient/_search', form);
    for (let page = 0; page < 10; page++) {
      expect(response.status, response.text).toBe(200);
      expectCursorOnlyLinks(response, '/Patient/_search');
      walked.push(...entryIds(response));
      const next = nextLink(response);
      if (!next) break;
      expect(next).toMatch(/^\/Patient\/_search\?_cursor=[^&]+$/);
      response = await post(next, form);
    }
    expect(walked.sort()).toEqual([...ids].sort());
    // The cursor works only with the criteria it was made for, as on GET.
    const first = nextLink(await post('/Patient/_search', form));
    expect(first).toBeDefined();
    const otherQuery = await post(first ?? '', `family=Someoneelse&_count=1`);
    expect(otherQuery.status, otherQuery.text).toBe(400);
  });

  it('_summary=count counts like GET, and its self link carries no search value', async () => {
    const byGet = await api(`/Patient?family=${FAMILY}&_summary=count`, { token: admin });
    const byPost = await post('/Patient/_search', `family=${FAMILY}&_summary=count`);
    expect(byPost.status, byPost.text).toBe(200);
    expect(field(byPost.json, 'total')).toBe(3);
    expect(field(byPost.json, 'total')).toBe(field(byGet.json, 'total'));
    expectCursorOnlyLinks(byPost, '/Patient/_search');
  });

  it('keeps repeated parameters and merges the URL with the body, refusing what GET refuses', async () => {
    // A repeated single-valued parameter is refused, on GET and POST alike.
    const repeated = await post('/Patient/_search', `family=${FAMILY}&family=Other`);
    const repeatedGet = await api(`/Patient?family=${FAMILY}&family=Other`, { token: admin });
    expect(repeated.status).toBe(400);
    expect(repeatedGet.status).toBe(400);
    expect(field(repeated.json, 'issue', 0, 'expression')).toEqual(
      field(repeatedGet.json, 'issue', 0, 'expression'),
    );
    // FHIR: parameters in the URL and the body of a POST search count as one list.
    const merged = await api(`/Patient/_search?_count=1`, {
      method: 'POST',
      token: admin,
      rawBody: `family=${FAMILY}`,
      headers: { 'content-type': `${FORM}; charset=UTF-8` },
    });
    expect(merged.status, merged.text).toBe(200);
    expect(entryIds(merged)).toHaveLength(1);
    // date=ge..&date=le..: both values of a repeatable parameter arrive.
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const to = new Date(Date.now() + 3_600_000).toISOString();
    const range = `agent=sp-admin&date=ge${encodeURIComponent(from)}&date=le${encodeURIComponent(to)}&_count=2`;
    const auditGet = await api(`/AuditEvent?${range}`, { token: compliance });
    const auditPost = await post('/AuditEvent/_search', range, compliance);
    expect(auditPost.status, auditPost.text).toBe(200);
    expect(entryIds(auditPost)).toEqual(entryIds(auditGet));
    expect(entryIds(auditPost)).toHaveLength(2);
    expectCursorOnlyLinks(auditPost, '/AuditEvent/_search');
  });

  it('exports the access log by POST with _format in the form, and its Link header carries only the cursor', async () => {
    const response = await post('/AuditEvent/_search', 'agent=sp-admin&_count=1&_format=ndjson', compliance);
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/ndjson/);
    const link = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '')?.[1];
    expect(link).toBeDefined();
    const next = new URL(link ?? '');
    expect(next.pathname).toBe('/AuditEvent/_search');
    expect([...next.searchParams.keys()]).toEqual(['_cursor']);
    const page2 = await post(
      `${next.pathname}${next.search}`,
      'agent=sp-admin&_count=1&_format=ndjson',
      compliance,
    );
    expect(page2.status, page2.text).toBe(200);
    expect(page2.text).not.toBe(response.text);
  });

  it('_format asking for XML in the form answers 406, like GET', async () => {
    const response = await post('/Patient/_search', `family=${FAMILY}&_format=xml`);
    expect(response.status, response.text).toBe(406);
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  });

  it('refuses a malformed percent-escape (400), an oversized form (413) and any other media type (415), never echoing the form', async () => {
    for (const form of [
      `family=${FAMILY}%`,
      `family=${FAMILY}%ZZ`,
      `family=%FF${FAMILY}`,
      `fam%ily=${FAMILY}`,
    ]) {
      const response = await post('/Patient/_search', form);
      expect(response.status, form).toBe(400);
      expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
      expect(response.text).not.toContain(FAMILY);
    }
    const large = await post('/Patient/_search', `family=${FAMILY}&given=${'x'.repeat(17 * 1024)}`);
    expect(large.status).toBe(413);
    expect(large.text).not.toContain(FAMILY);
    for (const contentType of [
      'application/fhir+json',
      'text/plain',
      'multipart/form-data',
      `${FORM}; charset=latin1`,
    ]) {
      const response = await post('/Patient/_search', `family=${FAMILY}`, admin, {
        'content-type': contentType,
      });
      expect(response.status, contentType).toBe(415);
      expect(response.text).not.toContain(FAMILY);
    }
    const none = await api('/Patient/_search', { method: 'POST', token: admin, rawBody: `family=${FAMILY}` });
    expect([415]).toContain(none.status);
  });

  it('an empty form is an unfiltered search, as GET without parameters', async () => {
    const byPost = await post('/Practitioner/_search', '');
    const byGet = await api('/Practitioner', { token: admin });
    expect(byPost.status, byPost.text).toBe(200);
    expect(entryIds(byPost)).toEqual(entryIds(byGet));
    expect(routes.searchPractitionersPost.path).toBe('/Practitioner/_search');
  });

  it('the request log line of a search, by GET or by POST, names the route template and none of its values', async () => {
    const marker = `Zorblat${Date.now()}`;
    const byGet = await api(`/Patient?family=${marker}&birthdate=1999-09-09`, { token: admin });
    const byPost = await post('/Patient/_search', `family=${marker}&birthdate=1999-09-09`);
    for (const [response, route] of [
      [byGet, 'GET /Patient'],
      [byPost, 'POST /Patient/_search'],
    ] as const) {
      expect(response.status, response.text).toBe(200);
      const lines = await logLines(String(response.headers.get('x-request-id')));
      expect(lines.some((line) => line.includes(`"route":"${route}"`))).toBe(true);
    }
    const log = readFileSync(inject('gatewayLog'), 'utf8');
    expect(log).not.toContain(marker);
    expect(log).not.toContain('1999-09-09');
  });
});
