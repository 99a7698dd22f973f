import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CSV_COLUMNS } from '../../shared/audit/export.ts';
import { uuidv7 } from '../../shared/audit/ids.ts';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, testPhi } from '../support/patients.ts';

/**
 * The access log as compliance staff and patients see it, over real HTTP. Every request
 * of this file goes to its own organization; the events it reads are the ones it made.
 */
const org = newOrg();
const otherOrg = newOrg();
const REASON = 'unconscious patient in the emergency department';
const EVIL_AGENT = '=HYPERLINK("http://evil.example/x","open me")';
const subs = { admin: 'al-admin', doctor: 'al-doctor', patient: 'al-patient', compliance: 'al-compliance' };
const tokens = { admin: '', doctor: '', patient: '', compliance: '', otherCompliance: '', patientTwo: '' };
let p1 = '';
let p2 = '';
let from = '';
let to = '';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const dateRange = () => `date=ge${from}&date=le${to}`;
const entries = (response: ApiResponse): unknown[] => {
  const list = field(response.json, 'entry');
  return Array.isArray(list) ? list : [];
};
const resources = (response: ApiResponse): unknown[] =>
  entries(response).map((entry) => field(entry, 'resource'));
const ids = (response: ApiResponse): string[] =>
  resources(response).map((resource) => String(field(resource, 'id')));
const agentSub = (resource: unknown) => field(resource, 'agent', 0, 'who', 'identifier', 'value');

function nextPath(response: ApiResponse): string | undefined {
  const links = field(response.json, 'link');
  const next = Array.isArray(links) ? links.find((link) => field(link, 'relation') === 'next') : undefined;
  const url = field(next, 'url');
  return typeof url === 'string' ? new URL(url).pathname + new URL(url).search : undefined;
}

function linkNext(response: ApiResponse): string | undefined {
  const match = /<([^>]+)>;\s*rel="next"/.exec(response.headers.get('link') ?? '');
  return match?.[1] ? new URL(match[1]).pathname + new URL(match[1]).search : undefined;
}

/** RFC 4180, as a spreadsheet reads it: quoted cells may hold commas, quotes and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"';
        index += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  if (cell.length > 0 || row.length > 0) throw new Error('CSV does not end with CRLF');
  return rows;
}

async function expectRefused(path: string, who: string, status: number): Promise<ApiResponse> {
  const response = await api(path, { token: who });
  expect(response.status, `${path}: ${response.text}`).toBe(status);
  expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  return response;
}

beforeAll(async () => {
  from = new Date(Date.now() - 60_000).toISOString();
  tokens.admin = await token({ role: 'admin', org, sub: subs.admin });
  tokens.doctor = await token({ role: 'clinician', org, sub: subs.doctor, practitionerId: 'pr-al' });
  tokens.compliance = await token({ role: 'compliance', org, sub: subs.compliance });
  tokens.otherCompliance = await token({ role: 'compliance', org: otherOrg, sub: subs.compliance });
  p1 = await createPatient(tokens.admin, phiPatient(testPhi()));
  p2 = await createPatient(tokens.admin, phiPatient(testPhi()));
  tokens.patient = await token({ role: 'patient', org, sub: subs.patient, patientId: p1 });
  tokens.patientTwo = await token({ role: 'patient', org, sub: 'al-patient-two', patientId: p2 });

  expect((await api(`/Patient/${p1}`, { token: tokens.doctor })).status).toBe(404);
  const glass = await api(`/Patient/${p1}`, {
    token: tokens.doctor,
    headers: { 'x-break-glass-reason': REASON },
  });
  expect(glass.status, glass.text).toBe(200);
  expect((await api(`/Patient/${p1}`, { token: tokens.patient })).status).toBe(200);
  for (let read = 0; read < 3; read += 1) {
    const response = await api(`/Patient/${p2}`, {
      token: tokens.admin,
      headers: { 'user-agent': EVIL_AGENT },
    });
    expect(response.status).toBe(200);
  }
  to = new Date(Date.now() + 60_000).toISOString();
});

describe('compliance search of the access log', () => {
  it('a date range lists the organization’s AuditEvents newest first as a searchset Bundle', async () => {
    const response = await api(`/AuditEvent?${dateRange()}`, { token: tokens.compliance });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'type')).toBe('searchset');
    const found = resources(response);
    expect(found.length).toBeGreaterThanOrEqual(8);
    const recorded = found.map((resource) => String(field(resource, 'recorded')));
    expect(recorded).toEqual([...recorded].sort().reverse());
    for (const resource of found) expect(field(resource, 'source', 'site')).toBe(org);
    expect(String(field(entries(response)[0], 'fullUrl'))).toMatch(/\/AuditEvent\/[0-9a-f-]{36}$/);
  });

  it('patient narrows to the events about that patient, with no date needed', async () => {
    const response = await api(`/AuditEvent?patient=Patient/${p1}`, { token: tokens.compliance });
    expect(response.status, response.text).toBe(200);
    const found = resources(response);
    // created, refused read, break-glass read, the patient's own read
    expect(found).toHaveLength(4);
    for (const resource of found) {
      expect(JSON.stringify(field(resource, 'entity'))).toContain(`Patient/${p1}`);
    }
    expect(found.map((resource) => field(resource, 'action'))).toEqual(['R', 'R', 'R', 'C']);
  });

  it('agent narrows to the events of one user', async () => {
    const response = await api(`/AuditEvent?agent=${subs.doctor}`, { token: tokens.compliance });
    const found = resources(response);
    expect(found).toHaveLength(2);
    for (const resource of found) expect(agentSub(resource)).toBe(subs.doctor);
  });

  it('action and outcome filter on top of the key query', async () => {
    const creates = resources(await api(`/AuditEvent?action=C&${dateRange()}`, { token: tokens.compliance }));
    expect(creates).toHaveLength(2);
    for (const resource of creates) expect(field(resource, 'action')).toBe('C');

    const refused = resources(
      await api(`/AuditEvent?agent=${subs.doctor}&outcome=4&action=R`, { token: tokens.compliance }),
    );
    expect(refused).toHaveLength(1);
    expect(field(refused[0], 'outcome')).toBe('4');
  });

  it('compliance reviews the break-glass accesses of a period with purpose=BTG', async () => {
    const response = await api(`/AuditEvent?purpose=BTG&${dateRange()}`, { token: tokens.compliance });
    expect(response.status, response.text).toBe(200);
    const found = resources(response);
    expect(found).toHaveLength(1);
    expect(agentSub(found[0])).toBe(subs.doctor);
    expect(field(found[0], 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    expect(field(found[0], 'purposeOfEvent', 0, 'text')).toBe(REASON);
    const coded = await api(
      `/AuditEvent?purpose=${encodeURIComponent('http://terminology.hl7.org/CodeSystem/v3-ActReason|BTG')}&${dateRange()}`,
      { token: tokens.compliance },
    );
    expect(ids(coded)).toEqual(ids(response));
  });

  it('pages follow the next link until every event was seen once, newest first', async () => {
    const seen: string[] = [];
    let path: string | undefined = `/AuditEvent?agent=${subs.admin}&_count=2`;
    let pages = 0;
    while (path) {
      const response = await api(path, { token: tokens.compliance });
      expect(response.status, response.text).toBe(200);
      expect(resources(response).length).toBeLessThanOrEqual(2);
      seen.push(...ids(response));
      path = nextPath(response);
      pages += 1;
      expect(pages).toBeLessThan(10);
    }
    expect(seen).toHaveLength(5); // two creates, three reads
    expect(new Set(seen).size).toBe(5);
    expect(seen).toEqual([...seen].sort().reverse()); // UUIDv7 ids sort by time
  });

  it('one AuditEvent is read by its id, exactly as stored and hashed', async () => {
    const [id] = ids(await api(`/AuditEvent?patient=${p1}&_count=1`, { token: tokens.compliance }));
    const response = await api(`/AuditEvent/${id}`, { token: tokens.compliance });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'id')).toBe(id);
    const stored = (await orgAuditEvents(org)).find(
      ({ item }) => item.sk === `${field(response.json, 'recorded')}#${id}`,
    );
    expect(stored?.item.hash).toBe(sha256(response.text));
  });

  it('reading an AuditEvent of another organization, or an unknown id, answers 404', async () => {
    const [id] = ids(await api(`/AuditEvent?patient=${p1}&_count=1`, { token: tokens.compliance }));
    await expectRefused(`/AuditEvent/${id}`, tokens.otherCompliance, 404);
    await expectRefused(`/AuditEvent/${uuidv7(new Date())}`, tokens.compliance, 404);
    await expectRefused('/AuditEvent/3f1c9a52-6f0e-4a4e-9d55-0b8f6c1d2e3f', tokens.compliance, 404);
  });
});

describe('exports for an investigation', () => {
  it('NDJSON has one AuditEvent a line, each line hashing to the sealed hash', async () => {
    const response = await api(`/AuditEvent?${dateRange()}&agent=${subs.admin}`, {
      token: tokens.compliance,
      headers: { accept: 'application/x-ndjson' },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = response.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(5);
    const hashes = new Set((await orgAuditEvents(org)).map(({ item }) => item.hash));
    for (const line of lines) {
      expect(field(JSON.parse(line), 'resourceType')).toBe('AuditEvent');
      expect(hashes.has(sha256(line))).toBe(true);
    }
  });

  it('CSV parses back to a header and one row per event, formula cells defused', async () => {
    const response = await api(`/AuditEvent?${dateRange()}&agent=${subs.admin}&_format=csv`, {
      token: tokens.compliance,
    });
    expect(response.status, response.text).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(response.text);
    expect(header).toEqual([...CSV_COLUMNS]);
    expect(rows).toHaveLength(5);
    const column = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    for (const row of rows) {
      expect(row).toHaveLength(CSV_COLUMNS.length);
      expect(row[column('agentUser')]).toBe(subs.admin);
      expect(row[column('organization')]).toBe(org);
    }
    const reads = rows.filter((row) => row[column('action')] === 'R');
    expect(reads).toHaveLength(3);
    for (const row of reads) expect(row[column('userAgent')]).toBe(`'${EVIL_AGENT}`);
    for (const row of rows) for (const cell of row) expect(cell).not.toMatch(/^[=+\-@]/);
  });

  it('CSV quotes every cell and defuses formulas after a semicolon or a TAB inside a cell', async () => {
    const agent = 'al-csv-agent';
    const admin = await token({ role: 'admin', org, sub: agent });
    const userAgent = 'Mozilla/5.0 (X11;=HYPERLINK("http://evil.example/y");\t@SUM(A1))';
    expect((await api(`/Patient/${p2}`, { token: admin, headers: { 'user-agent': userAgent } })).status).toBe(
      200,
    );
    const response = await api(`/AuditEvent?agent=${agent}&_format=csv`, { token: tokens.compliance });
    expect(response.status, response.text).toBe(200);
    const lines = response.text.split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line).toMatch(/^"(?:[^"]|"")*"(?:,"(?:[^"]|"")*")*$/);
    const [, row] = parseCsv(response.text);
    const cell = row?.[CSV_COLUMNS.indexOf('userAgent')] ?? '';
    expect(cell).toContain('evil.example/y');
    for (const value of row ?? []) {
      expect(value).not.toMatch(/(^|[;\t\r\n])[\s]*[=+\-@]/);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: no control character may reach the file.
      expect(value).not.toMatch(/[\u0000-\u001f]/);
    }
  });

  it('a long export comes in pages linked by a Link header with rel="next"', async () => {
    const lines: string[] = [];
    let path: string | undefined = `/AuditEvent?agent=${subs.admin}&_count=2&_format=ndjson`;
    while (path) {
      const response = await api(path, { token: tokens.compliance });
      expect(response.status, response.text).toBe(200);
      lines.push(...response.text.split('\n').filter((line) => line.length > 0));
      path = linkNext(response);
      expect(lines.length).toBeLessThan(20);
    }
    expect(lines).toHaveLength(5);
    expect(new Set(lines.map((line) => field(JSON.parse(line), 'id'))).size).toBe(5);
  });

  it('the export is itself audited as an E action that does not repeat the filter', async () => {
    const exporter = 'al-exporter';
    const exporting = await token({ role: 'compliance', org, sub: exporter });
    const response = await api(`/AuditEvent?patient=${p1}&_format=csv`, { token: exporting });
    expect(response.status).toBe(200);
    const own = resources(await api(`/AuditEvent?agent=${exporter}`, { token: tokens.compliance }));
    expect(own).toHaveLength(1);
    expect(field(own[0], 'action')).toBe('E');
    expect(field(own[0], 'subtype', 0, 'code')).toBe('search-type');
    expect(JSON.stringify(own[0])).not.toContain(p1);
  });
});

describe('organization isolation', () => {
  it('a compliance user of another organization sees none of these events', async () => {
    const ours = new Set(
      ids(await api(`/AuditEvent?${dateRange()}&_count=100`, { token: tokens.compliance })),
    );
    expect(ours.size).toBeGreaterThan(8);
    for (const query of [
      `patient=${p1}`,
      `agent=${subs.doctor}`,
      dateRange(),
      `purpose=BTG&${dateRange()}`,
    ]) {
      const response = await api(`/AuditEvent?${query}`, { token: tokens.otherCompliance });
      expect(response.status, response.text).toBe(200);
      for (const resource of resources(response)) expect(field(resource, 'source', 'site')).toBe(otherOrg);
      expect(ids(response).filter((id) => ours.has(id))).toEqual([]);
    }
    expect(resources(await api(`/AuditEvent?patient=${p1}`, { token: tokens.otherCompliance }))).toEqual([]);
  });

  it('only compliance staff search the access log', async () => {
    await expectRefused(`/AuditEvent?${dateRange()}`, tokens.admin, 403);
    await expectRefused(`/AuditEvent?${dateRange()}`, tokens.doctor, 403);
    await expectRefused(`/AuditEvent?${dateRange()}`, tokens.patient, 403);
  });
});

describe('bad input', () => {
  it('unbounded, malformed or over-long queries and forged cursors answer 400 and are audited', async () => {
    const asker = 'al-bad-input';
    const asking = await token({ role: 'compliance', org, sub: asker });
    const start = new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString();
    const valid = await api(`/AuditEvent?agent=${subs.admin}&_count=1`, { token: asking });
    const cursor = new URL(nextPath(valid) ?? '', 'http://x').searchParams.get('_cursor') ?? '';
    expect(cursor.length).toBeGreaterThan(10);
    const bad = [
      '/AuditEvent',
      '/AuditEvent?action=R',
      `/AuditEvent?date=ge${from}`,
      `/AuditEvent?date=ge${start}&date=le${to}`,
      '/AuditEvent?date=ge2026-13-01&date=le2026-13-02',
      '/AuditEvent?date=ge2026-11-01T10:00&date=le2026-11-02',
      `/AuditEvent?date=ge${from}&date=le${to}&date=le${to}`,
      `/AuditEvent?purpose=TREAT&${dateRange()}`,
      `/AuditEvent?action=X&${dateRange()}`,
      `/AuditEvent?outcome=2&${dateRange()}`,
      `/AuditEvent?patient=a,b`,
      `/AuditEvent?site=${org}&${dateRange()}`,
      `/AuditEvent?${dateRange()}&_count=1001`,
      // XML is refused for every route with 406 (dx-conformance.test.ts); other unknown formats here.
      `/AuditEvent?${dateRange()}&_format=turtle`,
      `/AuditEvent?agent=${subs.admin}&_count=1&_cursor=${cursor.slice(0, -2)}xx`,
      `/AuditEvent?agent=${subs.doctor}&_count=1&_cursor=${cursor}`,
    ];
    for (const path of bad) await expectRefused(path, asking, 400);
    const forged = await api(`/AuditEvent?agent=${subs.admin}&_count=1&_cursor=${cursor}`, {
      token: tokens.otherCompliance,
    });
    expect(forged.status).toBe(400);

    const audited = resources(
      await api(`/AuditEvent?agent=${asker}&outcome=4&_count=100`, { token: tokens.compliance }),
    );
    expect(audited).toHaveLength(bad.length);
    for (const resource of audited) expect(field(resource, 'action')).toBe('E');
  });
});

describe('a patient’s own access report', () => {
  it('lists who accessed the record: role, organization, practitioner, time, action, purpose', async () => {
    const response = await api(`/Patient/${p1}/$access-report`, { token: tokens.patient });
    expect(response.status, response.text).toBe(200);
    expect(field(response.json, 'type')).toBe('searchset');
    const found = resources(response);
    // created, refused read, break-glass read, the patient's own read (this request is not in its own answer)
    expect(found).toHaveLength(4);
    const roles = found.map((resource) => field(resource, 'agent', 0, 'role', 0, 'coding', 0, 'code'));
    expect(roles).toEqual(['patient', 'clinician', 'clinician', 'admin']);
    const glass = found[1];
    expect(field(glass, 'agent', 0, 'who', 'reference')).toBe('Practitioner/pr-al');
    expect(field(glass, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    expect(field(found[2], 'outcome')).toBe('4');
    for (const resource of found) {
      expect(field(resource, 'source', 'site')).toBe(org);
      expect(field(resource, 'recorded')).toEqual(expect.any(String));
      expect(field(resource, 'action')).toEqual(expect.any(String));
    }
  });

  it('never shows the agents’ user ids, network addresses, user agents or request ids', async () => {
    const response = await api(`/Patient/${p1}/$access-report`, { token: tokens.patient });
    const shown = JSON.stringify(entries(response));
    expect(entries(response).length).toBeGreaterThanOrEqual(4);
    for (const secret of [
      subs.admin,
      subs.doctor,
      subs.patient,
      '127.0.0.1',
      'urn:fhir-records:sub',
      'user-agent',
      'request-id',
      'network',
    ]) {
      expect(shown).not.toContain(secret);
    }
  });

  it('another patient’s report answers 404 and the refusal is audited', async () => {
    await expectRefused(`/Patient/${p2}/$access-report`, tokens.patient, 404);
    const refused = resources(
      await api(`/AuditEvent?agent=${subs.patient}&outcome=4`, { token: tokens.compliance }),
    ).filter((resource) => field(resource, 'subtype', 0, 'code') === 'operation');
    expect(refused).toHaveLength(1);
    expect(JSON.stringify(field(refused[0], 'entity'))).toContain(`Patient/${p2}`);
    // The owner of the record sees that someone tried, but not who.
    const report = await api(`/Patient/${p2}/$access-report`, { token: tokens.patientTwo });
    expect(report.status).toBe(200);
    expect(report.text).not.toContain(p1);
    expect(report.text).not.toContain(subs.patient);
  });

  it('staff cannot use the patient report', async () => {
    await expectRefused(`/Patient/${p1}/$access-report`, tokens.admin, 403);
    await expectRefused(`/Patient/${p1}/$access-report`, tokens.compliance, 403);
  });
});
