import { randomUUID } from 'node:crypto';
import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditTrail } from '../audit/trail.ts';
import type { Intent, PatientAccess } from '../auth/policy.ts';
import { mayChangeStatus } from '../auth/scheduling.ts';
import { tableNames } from '../base/dynamo.ts';
import {
  BadRequestError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { decodeCursor, encodeCursor } from '../crypto/cursor.ts';
import { Appointment, type AppointmentStatus } from '../fhir/appointment.ts';
import type { JsonPatch } from '../fhir/json-patch.ts';
import { Patient } from '../fhir/patient.ts';
import { appointmentChange, patientPatchIssues } from '../schedule/changes.ts';
import { clashError } from '../schedule/clash.ts';
import {
  assertWithinWorkingHours,
  bookableVisit,
  bookedVisit,
  type Participants,
} from '../schedule/visit.ts';
import { type FreeBusy, freeBusy, workingHoursOf, workingWindows } from '../schedule/working-hours.ts';
import { busyTimes } from './availability.ts';
import type { CancellationCode } from './errors.ts';
import { livePractitioner } from './hooks/practitioner.ts';
import { type Idempotency, idempotencyItem, replayOf } from './idempotency.ts';
import { typePk } from './keys.ts';
import { headCandidate, queryReader, visiblePage } from './paging.ts';
import { type AccessRequest, patientAccessOf } from './patient-access.ts';
import {
  commit,
  getHead,
  getHeads,
  listVersions,
  patchedResource,
  type ResourceKind,
  type Stored,
  type TransactItem,
  versionItems,
  withServerFields,
} from './resources.ts';
import {
  appointmentHeadAttributes,
  careLinkDelete,
  careLinkPut,
  lockRelease,
  lockWrite,
  visitLocks,
} from './schedule-items.ts';
import { appointmentPatientPk, appointmentPractitionerPk, startSkRange } from './schedule-keys.ts';

// Until the handlers move to the engine (after the http branch lands), they import these from here.
export { availabilityPeriod } from '../schedule/availability.ts';
export { startRange } from '../schedule/search.ts';

const kind: ResourceKind<Appointment> = { resourceType: 'Appointment', schema: Appointment };
const patientKind: ResourceKind<Patient> = { resourceType: 'Patient', schema: Patient };

/** Attempts of a transaction that lost only on DynamoDB's conflict detection, not on a condition. */
const MAX_ATTEMPTS = 10;

/** A transaction that lost only to a concurrent one (no condition failed): worth another try. */
class RetryableConflict extends Error {
  constructor() {
    super('transaction conflict');
    this.name = 'RetryableConflict';
  }
}

/** A create lost on its idempotency record: answer with what the first request created. */
class ReplayNeeded extends Error {
  constructor() {
    super('idempotent replay');
    this.name = 'ReplayNeeded';
  }
}

const onlyConflicts = (codes: CancellationCode[]) =>
  codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');

/**
 * `commit`, retried while DynamoDB cancels it only for concurrency (TransactionConflict):
 * each attempt is a whole transaction with its own AuditEvent, and only one commits.
 */
async function commitRetrying(
  items: readonly TransactItem[],
  audit: AuditTrail,
  status: number,
  onCancel: (codes: CancellationCode[]) => Error | undefined,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await commit(items, audit, status, (codes) =>
        onlyConflicts(codes) ? new RetryableConflict() : onCancel(codes),
      );
      return;
    } catch (error) {
      if (!(error instanceof RetryableConflict)) throw error;
      log().info('transaction conflict, retrying', { requestId: audit.facts.requestId, attempt });
      if (attempt >= MAX_ATTEMPTS) {
        throw new ServiceUnavailableError('the schedule is busy; retry the request', { cause: error });
      }
      const backoff = Math.min(400, 10 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((done) => setTimeout(done, backoff));
    }
  }
}

export interface AppointmentSearch {
  patient?: string | undefined;
  practitioner?: string | undefined;
  status?: AppointmentStatus | undefined;
  /** Starts in [from, to). */
  from?: number | undefined;
  to?: number | undefined;
  _count: number;
  _cursor?: string | undefined;
}

/**
 * Appointments as one caller may see them. A patient: their own. A clinician: those with
 * their own practitioner, and those of patients they may access under the Patient policy
 * (care relationship, general practitioner, or break-glass). An admin: the organization's.
 * Every method leaves what it touched on the request's audit trail; writes commit with it.
 */
export function appointments(request: AccessRequest) {
  const { principal, audit } = request;
  const org = principal.org;
  const table = tableNames().records;
  const access = patientAccessOf(request);
  const decisions = new Map<string, Promise<PatientAccess>>();

  /**
   * The Patient policy's decision on this patient for `intent` (reading, or scheduling: booking
   * and changing appointments); an unknown patient is hidden.
   */
  const patientDecision = (patientId: string, intent: Intent = 'read'): Promise<PatientAccess> => {
    const key = `${intent}#${patientId}`;
    let decision = decisions.get(key);
    if (!decision) {
      decision = (async (): Promise<PatientAccess> => {
        const head = await getHead(patientKind, org, patientId);
        if (!head || head.deleted) return { allowed: false, hide: true };
        return access.decide(patientId, head.resource, intent);
      })();
      decisions.set(key, decision);
    }
    return decision;
  };

  const noteBreakGlass = (resource: string) => access.breakGlass(resource);

  /** Whether the caller may see (`read`) or change (`schedule`) an appointment; a change resting on break-glass is a 403. */
  async function mayAccess(
    participants: Participants,
    resource: string,
    intent: 'read' | 'schedule' = 'read',
  ): Promise<boolean> {
    switch (principal.role) {
      case 'admin':
        return true;
      case 'patient':
        return participants.patientId === principal.patientId;
      case 'clinician': {
        if (participants.practitionerId === principal.practitionerId) return true;
        const decision = await patientDecision(participants.patientId, intent);
        if (!decision.allowed && decision.breakGlass) throw access.breakGlassRefused(resource);
        if (decision.allowed && decision.breakGlass) noteBreakGlass(resource);
        return decision.allowed;
      }
      case 'compliance':
        return false;
    }
  }

  /** `mayAccess` without its side effect: a search notes break-glass only for what it returns. */
  async function accessInSearch(
    participants: Participants,
  ): Promise<{ allowed: boolean; breakGlass: boolean }> {
    if (principal.role !== 'clinician' || participants.practitionerId === principal.practitionerId) {
      return { allowed: await mayAccess(participants, ''), breakGlass: false };
    }
    const decision = await patientDecision(participants.patientId);
    return { allowed: decision.allowed, breakGlass: decision.allowed && decision.breakGlass };
  }

  /** The head, if the caller may see it; 404 alike for unknown and not allowed. */
  async function authorized(id: string, intent: 'read' | 'schedule' = 'read'): Promise<Stored<Appointment>> {
    audit.see(`Appointment/${id}`);
    const head = await getHead(kind, org, id);
    if (!head) throw new NotFoundError(`Appointment/${id} is not known`);
    const participants = bookedVisit(head.resource);
    audit.concernsPatient(participants.patientId);
    if (!(await mayAccess(participants, `Appointment/${id}`, intent))) {
      throw new NotFoundError(`Appointment/${id} is not known`);
    }
    if (head.deleted) throw new GoneError(`Appointment/${id} has been deleted`);
    return head;
  }

  function expectVersion(current: Stored<Appointment>, ifMatch: number | undefined): void {
    if (ifMatch === undefined) {
      throw new PreconditionRequiredError('send If-Match with the version you are changing, e.g. W/"3"');
    }
    if (ifMatch !== current.versionId) {
      throw new PreconditionFailedError(
        `Appointment/${current.id} is at version ${current.versionId}, not ${ifMatch}`,
      );
    }
  }

  /** Status changes and edits; the time and the participants stay (rebooking is cancel + book). */
  async function change(
    current: Stored<Appointment>,
    ifMatch: number | undefined,
    next: Appointment,
  ): Promise<Stored<Appointment>> {
    expectVersion(current, ifMatch);
    const { cancelling } = appointmentChange(current.resource, next, {
      role: principal.role,
      mayChangeStatus: (from, to) => mayChangeStatus(principal, from, to),
    });
    const visit = bookedVisit(current.resource);
    const versionId = current.versionId + 1;
    const lastUpdated = new Date().toISOString();
    const stored = withServerFields(next, current.id, versionId, lastUpdated);
    const items: TransactItem[] = [
      ...(await versionItems(kind, org, stored, current.id, versionId, lastUpdated, {
        tokens: [],
        head: appointmentHeadAttributes(org, current.id, visit, next.status),
        expectedVersion: current.versionId,
      })),
      // Cancelling frees the time and ends the care relationship the booking created, in the
      // transaction that records it.
      ...(cancelling ? visitLocks(org, visit).map(({ key }) => lockRelease(table, key, current.id)) : []),
      ...(cancelling ? [careLinkDelete(table, org, visit, current.id)] : []),
    ];
    await commitRetrying(items, audit, 200, (codes) => {
      if (codes[0] === 'ConditionalCheckFailed') {
        return new PreconditionFailedError(
          `Appointment/${current.id} has changed since version ${current.versionId}`,
        );
      }
      return undefined;
    });
    return {
      id: current.id,
      versionId,
      lastUpdated,
      deleted: false,
      resource: stored,
      tokens: [],
      payload: new Uint8Array(),
    };
  }

  return {
    /**
     * Books a visit: the Appointment, both participants' locks, the care link and the
     * AuditEvent in one transaction, so an overlapping booking can never commit and a
     * refused one leaves nothing behind.
     */
    async book(
      resource: Appointment,
      idempotency?: Idempotency,
    ): Promise<{ stored: Stored<Appointment>; replayed: boolean }> {
      const visit = bookableVisit(resource, Date.now());
      if (principal.role === 'patient' && visit.patientId !== principal.patientId) {
        throw new ForbiddenError('a patient may book appointments only for themself');
      }
      const practitioner = await livePractitioner(org, visit.practitionerId);
      if (!practitioner) {
        throw new UnprocessableError(`Practitioner/${visit.practitionerId} is not known`, {
          details: [
            {
              location: `Appointment.participant[${visit.practitionerIndex}].actor`,
              message: `Practitioner/${visit.practitionerId} is not known`,
            },
          ],
        });
      }
      audit.concernsPatient(visit.patientId);
      const decision = await patientDecision(visit.patientId, 'schedule');
      if (!decision.allowed) {
        // Break-glass opens a record for reading: a booking under it would leave a care relationship.
        if (decision.breakGlass) throw access.breakGlassRefused(`Patient/${visit.patientId}`);
        // Unknown, deleted and not allowed read alike: no existence leak.
        throw new UnprocessableError(`Patient/${visit.patientId} is not known`, {
          details: [
            {
              location: `Appointment.participant[${visit.patientIndex}].actor`,
              message: `Patient/${visit.patientId} is not known`,
            },
          ],
        });
      }
      assertWithinWorkingHours(workingHoursOf(practitioner.resource), visit);
      const id = randomUUID();
      audit.see(`Appointment/${id}`);
      const lastUpdated = new Date().toISOString();
      const stored = withServerFields(
        { ...resource, created: resource.created ?? lastUpdated },
        id,
        1,
        lastUpdated,
      );
      const locks = visitLocks(org, visit);
      const items: TransactItem[] = [
        ...(await versionItems(kind, org, stored, id, 1, lastUpdated, {
          tokens: [],
          head: appointmentHeadAttributes(org, id, visit, 'booked'),
        })),
        ...locks.map(({ key }) => lockWrite(table, key, id)),
        careLinkPut(table, org, visit, id),
        ...(idempotency ? [idempotencyItem(idempotency, `Appointment/${id}`)] : []),
      ];
      const firstLock = 2;
      try {
        // The idempotency record is the last item before the AuditEvent.
        await commitRetrying(items, audit, 201, (codes) => {
          if (idempotency && codes.at(-2) === 'ConditionalCheckFailed') return new ReplayNeeded();
          const clashes = locks.filter((_, index) => codes[firstLock + index] === 'ConditionalCheckFailed');
          return clashes.length > 0 ? clashError(clashes.map(({ use }) => use)) : undefined;
        });
      } catch (error) {
        if (!(error instanceof ReplayNeeded) || !idempotency) throw error;
        const ref = await replayOf(idempotency);
        const firstId = ref.slice('Appointment/'.length);
        audit.entities.length = 0;
        audit.patientId = undefined;
        return { stored: await authorized(firstId), replayed: true };
      }
      return {
        stored: {
          id,
          versionId: 1,
          lastUpdated,
          deleted: false,
          resource: stored,
          tokens: [],
          payload: new Uint8Array(),
        },
        replayed: false,
      };
    },

    read: (id: string) => authorized(id),

    async history(id: string, count: number, cursor: string | undefined, binding: unknown) {
      await authorized(id);
      const startKey = cursor ? await decodeCursor(cursor, principal, binding) : undefined;
      const page = await listVersions(kind, org, id, count, startKey);
      return {
        versions: page.versions,
        next: page.next ? await encodeCursor(page.next, principal, binding) : undefined,
      };
    },

    async update(
      id: string,
      ifMatch: number | undefined,
      resource: Appointment,
    ): Promise<Stored<Appointment>> {
      if (resource.id !== id) {
        throw new BadRequestError('the resource id must match the id in the URL', {
          details: [{ location: 'Appointment.id', message: 'must equal the id in the URL' }],
        });
      }
      return change(await authorized(id, 'schedule'), ifMatch, resource);
    },

    async patch(
      id: string,
      ifMatch: number | undefined,
      operations: JsonPatch,
    ): Promise<Stored<Appointment>> {
      const current = await authorized(id, 'schedule');
      if (principal.role === 'patient') {
        // The role rule before any patch work: a patient's patch may only cancel.
        const issues = patientPatchIssues(operations);
        if (issues.length > 0) {
          throw new ForbiddenError('a patient may only cancel: patch /status and /cancelationReason only', {
            details: issues,
          });
        }
      }
      expectVersion(current, ifMatch);
      return change(current, ifMatch, patchedResource(kind, current.resource, operations));
    },

    /**
     * Search over the participant indexes (byPatient, byPractitioner: heads by start), or the
     * organization's appointments by last update (admin, no participant given). Status and the
     * second participant filter the page; the policy filters what the caller may see.
     */
    async search(
      query: AppointmentSearch,
      binding: unknown,
    ): Promise<{ matches: Stored<Appointment>[]; next?: string }> {
      const range = startSkRange(query.from, query.to);
      const byParticipant = (index: 'byPatient' | 'byPractitioner', pk: string): QueryCommandInput => {
        const name = index === 'byPatient' ? 'patientPk' : 'practitionerPk';
        const values: Record<string, string> = { ':pk': pk };
        let condition = `${name} = :pk`;
        if (range.lower !== undefined && range.upper !== undefined) {
          condition += ' AND startSk BETWEEN :lower AND :upper';
          values[':lower'] = range.lower;
          values[':upper'] = range.upper;
        } else if (range.lower !== undefined) {
          condition += ' AND startSk >= :lower';
          values[':lower'] = range.lower;
        } else if (range.upper !== undefined) {
          condition += ' AND startSk <= :upper';
          values[':upper'] = range.upper;
        }
        return {
          TableName: table,
          IndexName: index,
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
        };
      };
      let input: QueryCommandInput | undefined;
      if (principal.role === 'patient') {
        const own = principal.patientId ?? '';
        if ((query.patient ?? own) === own)
          input = byParticipant('byPatient', appointmentPatientPk(org, own));
      } else if (principal.role === 'clinician' || principal.role === 'admin') {
        if (query.patient !== undefined) {
          const decision = await patientDecision(query.patient);
          if (decision.allowed) {
            audit.concernsPatient(query.patient);
            if (decision.breakGlass) noteBreakGlass(`Patient/${query.patient}`);
            input = byParticipant('byPatient', appointmentPatientPk(org, query.patient));
          }
        } else if (query.practitioner !== undefined || principal.role === 'clinician') {
          const practitionerId = query.practitioner ?? principal.practitionerId ?? '';
          input = byParticipant('byPractitioner', appointmentPractitionerPk(org, practitionerId));
        } else {
          input = {
            TableName: table,
            IndexName: 'byType',
            KeyConditionExpression: 'typePk = :type',
            ExpressionAttributeValues: { ':type': typePk(org, 'Appointment') },
            ScanIndexForward: false,
          };
        }
      }
      if (!input) return { matches: [] };
      const startKey = query._cursor ? await decodeCursor(query._cursor, principal, binding) : undefined;
      const visible = async (ids: string[]) => {
        const shown = new Map<string, { head: Stored<Appointment>; breakGlass: boolean }>();
        for (const head of await getHeads(kind, org, ids)) {
          if (head.deleted) continue;
          const visit = bookedVisit(head.resource);
          if (query.status !== undefined && head.resource.status !== query.status) continue;
          if (query.patient !== undefined && visit.patientId !== query.patient) continue;
          if (query.practitioner !== undefined && visit.practitionerId !== query.practitioner) continue;
          if (query.from !== undefined && visit.start < query.from) continue;
          if (query.to !== undefined && visit.start >= query.to) continue;
          const seen = await accessInSearch(visit);
          if (seen.allowed) shown.set(head.id, { head, breakGlass: seen.breakGlass });
        }
        return shown;
      };
      const page = await visiblePage(query._count, startKey, queryReader(input, headCandidate), visible);
      const matches: Stored<Appointment>[] = [];
      for (const { head, breakGlass } of page.matches) {
        if (breakGlass) noteBreakGlass(`Appointment/${head.id}`);
        audit.see(`Appointment/${head.id}`);
        // BALP: the patient of every listed appointment is a disclosed entity of the event.
        audit.see(`Patient/${bookedVisit(head.resource).patientId}`);
        matches.push(head);
      }
      const patientsSeen = new Set(matches.map((match) => bookedVisit(match.resource).patientId));
      const [onlyPatient] = patientsSeen;
      if (patientsSeen.size === 1 && onlyPatient !== undefined) audit.concernsPatient(onlyPatient);
      return { matches, ...(page.next ? { next: await encodeCursor(page.next, principal, binding) } : {}) };
    },

    /**
     * Free and busy working time of a practitioner in [from, to): working hours in their time
     * zone minus what their schedule's locks hold. Says when, never with whom.
     */
    async availability(practitionerId: string, from: number, to: number): Promise<FreeBusy[]> {
      audit.see(`Practitioner/${practitionerId}`);
      const practitioner = await livePractitioner(org, practitionerId);
      if (!practitioner) throw new NotFoundError(`Practitioner/${practitionerId} is not known`);
      const windows = workingWindows(workingHoursOf(practitioner.resource), from, to);
      if (windows.length === 0) return [];
      const busy = await busyTimes(org, practitionerId, from, to);
      return freeBusy(windows, busy, from, to);
    },
  };
}
