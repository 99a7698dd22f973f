/** A practitioner's free and busy time, as `$availability` answers it. Pure: no I/O, unit-tested. */
import { BadRequestError } from '../base/errors.ts';

/** Availability is answered for at most this long a period. */
export const MAX_AVAILABILITY_MS = 31 * 86_400_000;

/** The availability query's period: start before end, at most 31 days; 400 otherwise. */
export function availabilityPeriod(start: string, end: string): { from: number; to: number } {
  const from = Date.parse(start);
  const to = Date.parse(end);
  const refuse = (location: string, message: string) =>
    new BadRequestError('invalid query', { details: [{ location: `query.${location}`, message }] });
  if (Number.isNaN(from)) throw refuse('start', 'must be a valid instant');
  if (Number.isNaN(to)) throw refuse('end', 'must be a valid instant');
  if (to <= from) throw refuse('end', 'must be after start');
  if (to - from > MAX_AVAILABILITY_MS) throw refuse('end', 'must be at most 31 days after start');
  return { from, to };
}
