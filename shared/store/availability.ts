import { paginateQuery } from '@aws-sdk/lib-dynamodb';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { NotFoundError } from '../base/errors.ts';
import {
  type FreeBusy,
  freeBusy,
  type Interval,
  workingHoursOf,
  workingWindows,
} from '../schedule/working-hours.ts';
import { livePractitioner } from './hooks/practitioner.ts';
import type { StoreRequest } from './hooks/types.ts';
import {
  HOUR_MS,
  HOUR_PREFIX,
  hourSk,
  instantOfSk,
  SLOT_MS,
  SLOT_PREFIX,
  schedulePk,
  slotSk,
} from './schedule-keys.ts';

/**
 * The time a practitioner's schedule holds in [from, to), read from its lock items: each slot
 * item is 5 busy minutes, each hour item with `full` a busy hour (an hour item with only
 * `partial` ids stands for its slot items, read as such). Consistent: a booking or a
 * cancellation shows at once.
 */
export async function busyTimes(
  org: string,
  practitionerId: string,
  from: number,
  to: number,
): Promise<Interval[]> {
  const pk = schedulePk(org, 'Practitioner', practitionerId);
  const busy: Interval[] = [];
  const read = async (
    lower: string,
    upper: string,
    prefix: string,
    length: number,
    held: (item: Record<string, unknown>) => boolean,
  ) => {
    const pages = paginateQuery(
      { client: dynamo() },
      {
        TableName: tableNames().records,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :lower AND :upper',
        ExpressionAttributeValues: { ':pk': pk, ':lower': lower, ':upper': upper },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const sk = String(item.sk);
        const start = instantOfSk(sk);
        if (start !== undefined && sk.startsWith(prefix) && held(item))
          busy.push({ start, end: start + length });
      }
    }
  };
  await read(slotSk(from - (from % SLOT_MS)), slotSk(to - 1), SLOT_PREFIX, SLOT_MS, () => true);
  await read(hourSk(from), hourSk(to - 1), HOUR_PREFIX, HOUR_MS, (item) => typeof item.full === 'string');
  return busy;
}

/**
 * Free and busy working time of a practitioner in [from, to): working hours in their time
 * zone minus what their schedule's locks hold. Says when, never with whom. Anyone of the
 * organization may ask (the route table says who); the practitioner is on the audit trail.
 */
export async function practitionerAvailability(
  request: StoreRequest,
  practitionerId: string,
  from: number,
  to: number,
): Promise<FreeBusy[]> {
  const org = request.principal.org;
  request.audit.see(`Practitioner/${practitionerId}`);
  const practitioner = await livePractitioner(org, practitionerId);
  if (!practitioner) throw new NotFoundError(`Practitioner/${practitionerId} is not known`);
  const windows = workingWindows(workingHoursOf(practitioner.resource), from, to);
  if (windows.length === 0) return [];
  return freeBusy(windows, await busyTimes(org, practitionerId, from, to), from, to);
}
