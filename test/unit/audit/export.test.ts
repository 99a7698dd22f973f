import { describe, expect, it } from 'vitest';
import { CSV_COLUMNS, csv, csvCell, exportFormat, ndjson } from '../../../shared/audit/export.ts';
import type { StoredAuditEvent } from '../../../shared/audit/resource.ts';

describe('export format', () => {
  it('_format wins over Accept, and Accept chooses when _format is absent', () => {
    expect(exportFormat('csv', 'application/x-ndjson')).toBe('csv');
    expect(exportFormat(undefined, 'text/csv; charset=utf-8')).toBe('csv');
    expect(exportFormat(undefined, 'application/fhir+ndjson, */*')).toBe('ndjson');
    expect(exportFormat('application/x-ndjson', undefined)).toBe('ndjson');
  });

  it('answers a Bundle by default and for JSON, and nothing for an unknown _format', () => {
    expect(exportFormat(undefined, undefined)).toBe('bundle');
    expect(exportFormat(undefined, '*/*')).toBe('bundle');
    expect(exportFormat('json', undefined)).toBe('bundle');
    expect(exportFormat('xml', undefined)).toBeUndefined();
  });
});

describe('CSV', () => {
  it('quotes every cell as RFC 4180 says, doubling the quotes inside', () => {
    expect(csvCell('plain')).toBe('"plain"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell(undefined)).toBe('""');
    expect(csvCell(404)).toBe('"404"');
  });

  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('+1')).toBe(`"'+1"`);
    expect(csvCell('-2')).toBe(`"'-2"`);
    expect(csvCell('@SUM(A1)')).toBe(`"'@SUM(A1)"`);
    expect(csvCell('  =1')).toBe(`"  '=1"`);
  });

  it('defuses a formula after a semicolon, a TAB or a line break, not only at the start of the cell', () => {
    expect(csvCell('Mozilla/5.0;=cmd|calc')).toBe(`"Mozilla/5.0;'=cmd|calc"`);
    expect(csvCell('reason; +1 555')).toBe(`"reason; '+1 555"`);
    expect(csvCell('a\t@SUM(A1)')).toBe(`"a '@SUM(A1)"`);
    expect(csvCell('first\r\n-2+3')).toBe(`"first  '-2+3"`);
    expect(csvCell('\tcmd')).toBe(`" cmd"`);
    expect(csvCell('a-b c=d e+f')).toBe(`"a-b c=d e+f"`);
  });

  it('strips control characters, also where they would hide a formula after a separator', () => {
    expect(csvCell('a\u0000b\u001bc\u007fd\u0085e')).toBe('"abcde"');
    expect(csvCell('x;\u0001=1')).toBe(`"x;'=1"`);
    expect(csvCell('two\r\nlines')).toBe('"two  lines"');
  });

  it('writes a header row and one CRLF-terminated row per event', () => {
    const event: StoredAuditEvent = {
      resourceType: 'AuditEvent',
      id: 'e1',
      recorded: '2026-11-25T08:00:00.000Z',
      action: 'R',
      outcome: '0',
      agent: [{ who: { identifier: { value: '=cmd' } }, role: [{ coding: [{ code: 'clinician' }] }] }],
      entity: [{ what: { reference: 'Patient/p1' } }, { what: { reference: 'Patient/p2' } }],
    };
    const text = csv([event]);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(CSV_COLUMNS.map((column) => `"${column}"`).join(','));
    expect(lines[1]).toContain(`"'=cmd"`);
    expect(lines[1]).toContain('Patient/p1 Patient/p2');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
  });
});

describe('NDJSON', () => {
  it('is one stored event text a line, unchanged', () => {
    expect(ndjson(['{"a":1}', '{"b":2}'])).toBe('{"a":1}\n{"b":2}\n');
    expect(ndjson([])).toBe('');
  });
});
