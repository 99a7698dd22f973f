import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { expect } from 'vitest';
import { AUDIT_EXTENSION } from '../../shared/audit/trail.ts';
import type { ScheduleOwner } from '../../shared/schedule/visit.ts';
import { WORKING_HOURS_URL } from '../../shared/schedule/working-hours.ts';
import { lockKeys, schedulePk } from '../../shared/store/schedule-keys.ts';
import { type ApiResponse, api, field } from './api.ts';
import { localDynamo, orgAuditEvents } from './dynamo.ts';

/** Practitioners, appointments, schedules and their lock items, for the appointment tests. */

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** UTC midnight `days` days from now. */
export const utcDay = (days: number): number => Math.floor(Date.now() / DAY) * DAY + days * DAY;

/** The first Monday (UTC) at least `days` days from now. */
export function mondayAfter(days: number): number {
  let day = utcDay(days);
  while (new Date(day).getUTCDay() !== 1) day += DAY;
  return day;
}

export const iso = (instant: number): string => new Date(instant).toISOString().replace('.000Z', 'Z');

/** An instant with an explicit +01:00 offset, as clients in Amsterdam's winter send it. */
export const withOffset = (instant: number): string =>
  `${new Date(instant + HOUR).toISOString().slice(0, 19)}+01:00`;

export function workingHours(days: string[], start: string, end: string, timeZone: string) {
  return {
    url: WORKING_HOURS_URL,
    extension: [
      ...days.map((code) => ({ url: 'daysOfWeek', valueCode: code })),
      { url: 'availableStartTime', valueTime: start },
      { url: 'availableEndTime', valueTime: end },
      { url: 'timeZone', valueCode: timeZone },
    ],
  };
}

export const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export function practitionerBody(family: string, hours: unknown[] = []): Record<string, unknown> {
  return {
    resourceType: 'Practitioner',
    active: true,
    name: [{ family, given: ['Eva'], prefix: ['Dr.'] }],
    ...(hours.length > 0 ? { extension: hours } : {}),
  };
}

export async function createPractitioner(token: string, body: unknown): Promise<string> {
  const response = await api('/Practitioner', { token, body });
  expect(response.status, response.text).toBe(201);
  const id = field(response.json, 'id');
  if (typeof id !== 'string') throw new Error('created Practitioner has no id');
  return id;
}

export function appointmentBody(
  patientId: string,
  practitionerId: string,
  start: number | string,
  end: number | string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Follow-up on the Quillfeather rash',
    comment: 'Bring the Zqvorthal cream',
    patientInstruction: 'Do not eat Wimbrelda beans before the visit',
    reasonCode: [{ text: 'Quillfeather rash' }],
    start: typeof start === 'number' ? iso(start) : start,
    end: typeof end === 'number' ? iso(end) : end,
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
    ],
    ...extra,
  };
}

/** The PHI in `appointmentBody`: none of it may be stored in clear. */
export const APPOINTMENT_PHI = ['Quillfeather', 'Zqvorthal', 'Wimbrelda'];

export const idOf = (response: ApiResponse): string => {
  const id = field(response.json, 'id');
  if (typeof id !== 'string') throw new Error(`no id in ${response.text}`);
  return id;
};

export interface Claim {
  sk: string;
  kind: string;
  appointmentId: string;
}

/** What a participant's schedule holds: each lock item and hour item with the appointment it holds. */
export async function scheduleClaims(org: string, owner: ScheduleOwner, id: string): Promise<Claim[]> {
  const { client, tables } = localDynamo();
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new QueryCommand({
        TableName: tables.records,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': schedulePk(org, owner, id) },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const claims: Claim[] = [];
  for (const item of items) {
    const sk = String(item.sk);
    if (typeof item.appointmentId === 'string')
      claims.push({ sk, kind: 'slot', appointmentId: item.appointmentId });
    if (typeof item.full === 'string') claims.push({ sk, kind: 'full-hour', appointmentId: item.full });
    if (item.partial instanceof Set) {
      for (const held of item.partial) claims.push({ sk, kind: 'partial-hour', appointmentId: String(held) });
    }
  }
  return claims.sort((a, b) => a.sk.localeCompare(b.sk) || a.appointmentId.localeCompare(b.appointmentId));
}

/** The claims one booked visit must hold in a participant's schedule, and nothing else. */
export function expectedClaims(
  org: string,
  owner: ScheduleOwner,
  id: string,
  start: number,
  end: number,
  appointmentId: string,
): Claim[] {
  return lockKeys(org, owner, id, start, end)
    .map((key) => ({ sk: key.sk, kind: key.kind, appointmentId }))
    .sort((a, b) => a.sk.localeCompare(b.sk) || a.appointmentId.localeCompare(b.appointmentId));
}

/** Requests made in a test file, per organization, to check one AuditEvent per request. */
export class RequestLog {
  private readonly requests = new Map<string, { requestId: string; status: number }[]>();

  track(org: string, response: ApiResponse): ApiResponse {
    const requestId = response.headers.get('x-request-id');
    if (requestId)
      this.requests.set(org, [...(this.requests.get(org) ?? []), { requestId, status: response.status }]);
    return response;
  }

  get size(): number {
    return [...this.requests.values()].reduce((total, list) => total + list.length, 0);
  }

  /** Every tracked request left exactly one AuditEvent, recording the status it answered. */
  async expectEachAuditedOnce(): Promise<void> {
    for (const [org, requests] of this.requests) {
      const events = await orgAuditEvents(org);
      const byRequest = new Map<string, number[]>();
      for (const { event } of events) {
        const extensions = field(event, 'extension');
        if (!Array.isArray(extensions)) continue;
        const requestId = field(
          extensions.find((extension) => field(extension, 'url') === AUDIT_EXTENSION.requestId),
          'valueString',
        );
        const status = field(
          extensions.find((extension) => field(extension, 'url') === AUDIT_EXTENSION.status),
          'valueInteger',
        );
        if (typeof requestId === 'string' && typeof status === 'number') {
          byRequest.set(requestId, [...(byRequest.get(requestId) ?? []), status]);
        }
      }
      for (const { requestId, status } of requests) {
        expect(byRequest.get(requestId), `AuditEvents of request ${requestId}`).toEqual([status]);
      }
    }
  }
}
