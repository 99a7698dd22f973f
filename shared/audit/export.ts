import { agentRole, type StoredAuditEvent } from './resource.ts';
import { AUDIT_EXTENSION } from './trail.ts';

/**
 * Investigation exports of AuditEvents. Pure: no I/O.
 * NDJSON lines are the stored canonical JSON, byte for byte, so each line's SHA-256 is the
 * event's sealed hash. CSV is RFC 4180 (CRLF, every cell quoted) and safe to open in a
 * spreadsheet: see `csvCell`.
 */

export type ExportFormat = 'bundle' | 'ndjson' | 'csv';

export const EXPORT_MEDIA_TYPES = {
  ndjson: 'application/x-ndjson',
  fhirNdjson: 'application/fhir+ndjson',
  csv: 'text/csv',
} as const;

const FORMATS: Record<string, ExportFormat> = {
  json: 'bundle',
  'application/json': 'bundle',
  'application/fhir+json': 'bundle',
  ndjson: 'ndjson',
  'application/x-ndjson': 'ndjson',
  'application/fhir+ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  csv: 'csv',
  'text/csv': 'csv',
};

/** `_format` wins over `Accept`; an unknown `_format` is undefined (the caller answers 400). */
export function exportFormat(
  format: string | undefined,
  accept: string | undefined,
): ExportFormat | undefined {
  if (format !== undefined) return FORMATS[format.trim().toLowerCase()];
  for (const range of (accept ?? '').split(',')) {
    const mediaType = range.split(';')[0]?.trim().toLowerCase() ?? '';
    const known = FORMATS[mediaType];
    if (known && mediaType.includes('/')) return known;
  }
  return 'bundle';
}

export const ndjson = (texts: readonly string[]): string => texts.map((text) => `${text}\n`).join('');

export const CSV_COLUMNS = [
  'id',
  'recorded',
  'action',
  'interaction',
  'outcome',
  'status',
  'outcomeDesc',
  'organization',
  'agentRole',
  'agentUser',
  'agentReference',
  'sourceIp',
  'userAgent',
  'entities',
  'purpose',
  'purposeText',
  'requestId',
] as const;

/** C0 and C1 controls and DEL; TAB, CR and LF are handled apart (they end a segment). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/**
 * A formula trigger at the start of the cell or of a segment a spreadsheet may split off:
 * after `;` (the list separator of `;` locales, which ignores our quoting), a TAB or a line
 * break, with any blanks before it.
 */
const FORMULA_SEGMENT = /(^|[;\t\r\n])([ \t\r\n]*)([=+\-@])/g;

/**
 * One CSV cell, safe to open: always quoted, control characters stripped, TAB and line
 * breaks turned into spaces, and every formula trigger (`= + - @`) that starts the cell or
 * a segment after `;`, TAB or a line break prefixed with a single quote.
 */
export function csvCell(value: string | number | undefined): string {
  const text = (value === undefined ? '' : String(value))
    .replace(CONTROL, '')
    .replace(FORMULA_SEGMENT, "$1$2'$3")
    .replace(/[\t\r\n]/g, ' ');
  return `"${text.replaceAll('"', '""')}"`;
}

const extension = (event: StoredAuditEvent, url: string) =>
  event.extension?.find((entry) => entry.url === url);

export function csvRow(event: StoredAuditEvent): string {
  const agent = event.agent[0];
  const purpose = event.purposeOfEvent?.[0];
  const cells: Record<(typeof CSV_COLUMNS)[number], string | number | undefined> = {
    id: event.id,
    recorded: event.recorded,
    action: event.action,
    interaction: event.subtype?.[0]?.code,
    outcome: event.outcome,
    status: extension(event, AUDIT_EXTENSION.status)?.valueInteger,
    outcomeDesc: event.outcomeDesc,
    organization: event.source?.site,
    agentRole: agentRole(event),
    agentUser: agent?.who?.identifier?.value,
    agentReference: agent?.who?.reference,
    sourceIp: agent?.network?.address,
    userAgent: extension(event, AUDIT_EXTENSION.userAgent)?.valueString,
    entities: event.entity?.map((entity) => entity.what?.reference ?? '').join(' '),
    purpose: purpose?.coding?.[0]?.code,
    purposeText: purpose?.text,
    requestId: extension(event, AUDIT_EXTENSION.requestId)?.valueString,
  };
  return CSV_COLUMNS.map((column) => csvCell(cells[column])).join(',');
}

export const csvHeader = (): string => CSV_COLUMNS.map(csvCell).join(',');

/** Every page has the header row: each response is a file a spreadsheet opens on its own. */
export const csv = (events: readonly StoredAuditEvent[]): string =>
  [csvHeader(), ...events.map(csvRow)].map((line) => `${line}\r\n`).join('');
