/** Appointment search parameters as the store reads them. Pure: no I/O, unit-tested. */
import { BadRequestError } from '../base/errors.ts';

const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const PREFIX = /^(ge|gt|le|lt|eq)/;

/**
 * FHIR `date` search on Appointment.start: `ge`, `gt`, `le`, `lt` or `eq` (the default) and a
 * day (`2026-12-01`, the UTC day) or an instant with an offset (to the second); repeated values
 * are all applied. The result is the half-open range of starts [from, to).
 */
export function startRange(values: readonly string[]): { from?: number; to?: number } {
  let from: number | undefined;
  let to: number | undefined;
  for (const value of values) {
    const prefix = PREFIX.exec(value)?.[1] ?? 'eq';
    const text = value.replace(PREFIX, '');
    const begins = Date.parse(DAY.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isNaN(begins)) {
      throw new BadRequestError('invalid query', {
        details: [
          { location: 'query.date', message: 'must be a date (YYYY-MM-DD) or an instant with an offset' },
        ],
      });
    }
    const ends = begins + (DAY.test(text) ? DAY_MS : 1000);
    const lower = prefix === 'ge' || prefix === 'eq' ? begins : prefix === 'gt' ? ends : undefined;
    const upper = prefix === 'le' || prefix === 'eq' ? ends : prefix === 'lt' ? begins : undefined;
    if (lower !== undefined) from = Math.max(from ?? lower, lower);
    if (upper !== undefined) to = Math.min(to ?? upper, upper);
  }
  return { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
}
