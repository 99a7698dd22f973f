/**
 * The items a booking adds to its transaction besides the Appointment's own: the lock items
 * of both participants' schedules (see schedule-keys.ts for why they exclude overlaps), and
 * the care link the booking gives its practitioner with its patient. Pure: no I/O, unit-tested.
 */
import type { Taken } from '../schedule/clash.ts';
import type { ScheduleOwner, Visit } from '../schedule/visit.ts';
import { careLinkPk, careLinkSk } from './keys.ts';
import type { TransactItem } from './resources.ts';
import {
  appointmentPatientPk,
  appointmentPractitionerPk,
  appointmentStartSk,
  type LockKey,
  lockKeys,
} from './schedule-keys.ts';

const iso = (instant: number): string => new Date(instant).toISOString();

/** Lock items outlive their visit by this long, then DynamoDB's TTL removes them. */
const LOCK_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** The write that takes one lock for `appointmentId`, on condition that nobody holds it. */
export function lockWrite(table: string, key: LockKey, appointmentId: string): TransactItem {
  const expiresAt = Math.floor(key.end / 1000) + LOCK_RETENTION_SECONDS;
  switch (key.kind) {
    case 'slot':
      return {
        Put: {
          TableName: table,
          Item: { pk: key.pk, sk: key.sk, appointmentId, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      };
    case 'full-hour':
      return {
        Update: {
          TableName: table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'SET #full = :id, #expires = :expires',
          ConditionExpression: 'attribute_not_exists(#full) AND attribute_not_exists(#partial)',
          ExpressionAttributeNames: { '#full': 'full', '#partial': 'partial', '#expires': 'expiresAt' },
          ExpressionAttributeValues: { ':id': appointmentId, ':expires': expiresAt },
        },
      };
    case 'partial-hour':
      return {
        Update: {
          TableName: table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'SET #expires = :expires ADD #partial :ids',
          ConditionExpression: 'attribute_not_exists(#full)',
          ExpressionAttributeNames: { '#full': 'full', '#partial': 'partial', '#expires': 'expiresAt' },
          ExpressionAttributeValues: { ':ids': new Set([appointmentId]), ':expires': expiresAt },
        },
      };
  }
}

/** Releases only what this appointment holds; a lock already expired by TTL is no obstacle. */
export function lockRelease(table: string, key: LockKey, appointmentId: string): TransactItem {
  switch (key.kind) {
    case 'slot':
      return {
        Delete: {
          TableName: table,
          Key: { pk: key.pk, sk: key.sk },
          ConditionExpression: 'attribute_not_exists(pk) OR appointmentId = :id',
          ExpressionAttributeValues: { ':id': appointmentId },
        },
      };
    case 'full-hour':
      return {
        Delete: {
          TableName: table,
          Key: { pk: key.pk, sk: key.sk },
          ConditionExpression: 'attribute_not_exists(pk) OR #full = :id',
          ExpressionAttributeNames: { '#full': 'full' },
          ExpressionAttributeValues: { ':id': appointmentId },
        },
      };
    case 'partial-hour':
      return {
        Update: {
          TableName: table,
          Key: { pk: key.pk, sk: key.sk },
          UpdateExpression: 'SET #expires = if_not_exists(#expires, :expires) DELETE #partial :ids',
          ExpressionAttributeNames: { '#partial': 'partial', '#expires': 'expiresAt' },
          ExpressionAttributeValues: {
            ':ids': new Set([appointmentId]),
            ':expires': Math.floor(key.end / 1000) + LOCK_RETENTION_SECONDS,
          },
        },
      };
  }
}

/** Both participants' lock keys of a visit, each with what it stands for. */
export function visitLocks(org: string, visit: Visit): { key: LockKey; use: Taken }[] {
  const of = (owner: ScheduleOwner, ownerId: string, participantIndex: number) =>
    lockKeys(org, owner, ownerId, visit.start, visit.end).map((key) => ({
      key,
      use: {
        owner,
        ownerId,
        participantIndex,
        start: Math.max(key.start, visit.start),
        end: Math.min(key.end, visit.end),
      },
    }));
  return [
    ...of('Practitioner', visit.practitionerId, visit.practitionerIndex),
    ...of('Patient', visit.patientId, visit.patientIndex),
  ];
}

/**
 * Clear attributes of an Appointment head: the keys of the participant indexes (byPatient,
 * byPractitioner: heads by start) and the few facts queries need.
 */
export const appointmentHeadAttributes = (org: string, id: string, visit: Visit, status: string) => ({
  patientPk: appointmentPatientPk(org, visit.patientId),
  practitionerPk: appointmentPractitionerPk(org, visit.practitionerId),
  startSk: appointmentStartSk(visit.start, id),
  patientId: visit.patientId,
  practitionerId: visit.practitionerId,
  start: iso(visit.start),
  end: iso(visit.end),
  status,
});

const careLinkKey = (table: string, org: string, visit: Visit, appointmentId: string) => ({
  TableName: table,
  Key: {
    pk: careLinkPk(org, visit.practitionerId),
    sk: careLinkSk(visit.patientId, iso(visit.end), 'appointment', appointmentId),
  },
});

/**
 * The booking is a care relationship (the Patient policy reads it) until a while after the
 * visit; cancelling deletes it.
 */
export function careLinkPut(table: string, org: string, visit: Visit, appointmentId: string): TransactItem {
  const { TableName, Key } = careLinkKey(table, org, visit, appointmentId);
  return { Put: { TableName, Item: { ...Key, basis: 'appointment', end: iso(visit.end), appointmentId } } };
}

export const careLinkDelete = (
  table: string,
  org: string,
  visit: Visit,
  appointmentId: string,
): TransactItem => ({
  Delete: careLinkKey(table, org, visit, appointmentId),
});
