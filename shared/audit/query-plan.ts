import { BadRequestError, type IssueDetail } from '../base/errors.ts';
import type { AuditAction } from '../routes.ts';
import { agentKey, orgKey, patientKey, purposeKey } from './keys.ts';
import type { AuditOutcome } from './trail.ts';

/**
 * Compliance queries of the access log as DynamoDB key plans. Pure: no I/O.
 * Every plan is served by a key: the most selective of patient, agent, purpose (byPatient,
 * byAgent, byPurpose) or else the organization (byOrg); the date range is a key
 * condition on `recordedSk`; the remaining filters are FilterExpressions on that query.
 * The organization is always the caller's: every index key starts with it.
 */

export const MAX_DAYS_UNNARROWED = 31;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface AuditCriteria {
  patient?: string;
  /** The user's `sub`. */
  agent?: string;
  purpose?: 'BTG';
  action?: AuditAction;
  outcome?: AuditOutcome;
  /** Inclusive bounds, ISO instants with milliseconds. */
  from?: string;
  to?: string;
}

export type AuditIndex = 'byOrg' | 'byPatient' | 'byAgent' | 'byPurpose';

export interface QueryPlan {
  index: AuditIndex;
  partitionKey: { name: string; value: string };
  /** Inclusive `recordedSk` bounds. */
  sortKey: { from?: string; to?: string };
  filters: { name: string; value: string }[];
}

const INDEX_KEY = {
  byOrg: 'orgPk',
  byPatient: 'patientPk',
  byAgent: 'agentPk',
  byPurpose: 'purposePk',
} as const satisfies Record<AuditIndex, string>;

export const indexPartitionKey = (index: AuditIndex): (typeof INDEX_KEY)[AuditIndex] => INDEX_KEY[index];

/** `recordedSk` is `<recorded>#<id>`: these bounds take in every id of the bounding milliseconds. */
const lowerSk = (iso: string): string => iso;
const upperSk = (iso: string): string => `${iso}#~`;

export function planAuditQuery(org: string, criteria: AuditCriteria): QueryPlan {
  const narrowed = criteria.patient !== undefined || criteria.agent !== undefined;
  if (!narrowed) {
    if (criteria.from === undefined || criteria.to === undefined) {
      throw invalid(
        'date',
        'a date range (date=ge...&date=le...) is required unless patient or agent narrows the query',
      );
    }
    if (Date.parse(criteria.to) - Date.parse(criteria.from) > MAX_DAYS_UNNARROWED * DAY_MS) {
      throw invalid(
        'date',
        `the date range may span at most ${MAX_DAYS_UNNARROWED} days unless patient or agent narrows the query`,
      );
    }
  }
  if (criteria.from !== undefined && criteria.to !== undefined && criteria.from > criteria.to) {
    throw invalid('date', 'the lower date bound is after the upper one');
  }

  const candidates: [AuditIndex, string | undefined][] = [
    ['byPatient', criteria.patient === undefined ? undefined : patientKey(org, criteria.patient)],
    ['byAgent', criteria.agent === undefined ? undefined : agentKey(org, criteria.agent)],
    ['byPurpose', criteria.purpose === undefined ? undefined : purposeKey(org, criteria.purpose)],
  ];
  const keyed = candidates.filter(
    (candidate): candidate is [AuditIndex, string] => candidate[1] !== undefined,
  );
  const [index, value] = keyed[0] ?? ['byOrg', orgKey(org)];
  const filters: QueryPlan['filters'] = keyed
    .slice(1)
    .map(([other, key]) => ({ name: INDEX_KEY[other], value: key }));
  if (criteria.action) filters.push({ name: 'action', value: criteria.action });
  if (criteria.outcome) filters.push({ name: 'outcome', value: criteria.outcome });
  return {
    index,
    partitionKey: { name: INDEX_KEY[index], value },
    sortKey: {
      ...(criteria.from !== undefined ? { from: lowerSk(criteria.from) } : {}),
      ...(criteria.to !== undefined ? { to: upperSk(criteria.to) } : {}),
    },
    filters,
  };
}

const invalid = (location: string, message: string): BadRequestError =>
  new BadRequestError(message, { details: [{ location: `query.${location}`, message }] });

// --- FHIR date parameters ----------------------------------------------------------------

const DATE =
  /^(ge|gt|le|lt|eq)?(\d{4}-\d{2}-\d{2})(T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * `date=ge2026-11-01&date=le2026-11-30` (FHIR search prefixes ge, gt, le, lt, eq or none on
 * a date or a dateTime with a zone) -> inclusive ISO bounds. A day means the whole UTC day.
 */
export function parseDateRange(values: readonly string[]): { from?: string; to?: string } {
  const details: IssueDetail[] = [];
  let from: string | undefined;
  let to: string | undefined;
  const setFrom = (iso: string) => {
    if (from !== undefined)
      details.push({ location: 'query.date', message: 'only one lower bound may be given' });
    from = iso;
  };
  const setTo = (iso: string) => {
    if (to !== undefined)
      details.push({ location: 'query.date', message: 'only one upper bound may be given' });
    to = iso;
  };
  for (const value of values) {
    const match = DATE.exec(value);
    const day = match?.[2];
    const start = day ? Date.parse(match?.[3] ? `${day}${match[3]}` : `${day}T00:00:00Z`) : Number.NaN;
    if (
      !match ||
      !day ||
      Number.isNaN(start) ||
      new Date(`${day}T00:00:00Z`).toISOString().slice(0, 10) !== day
    ) {
      details.push({
        location: 'query.date',
        message:
          'must be a date or a dateTime with a time zone, with an optional prefix ge, gt, le, lt or eq',
      });
      continue;
    }
    // The last millisecond the value covers: its day, or the instant itself.
    const end = match[3] ? start : start + DAY_MS - 1;
    const iso = (ms: number) => new Date(ms).toISOString();
    switch (match[1]) {
      case 'ge':
        setFrom(iso(start));
        break;
      case 'gt':
        setFrom(iso(end + 1));
        break;
      case 'le':
        setTo(iso(end));
        break;
      case 'lt':
        setTo(iso(start - 1));
        break;
      default:
        setFrom(iso(start));
        setTo(iso(end));
    }
  }
  if (details.length > 0) throw new BadRequestError('invalid date parameter', { details });
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
