import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { AuditTrail } from '../audit/trail.ts';
import { type CareLink, type Intent, type PatientAccess, patientAccess } from '../auth/policy.ts';
import type { Principal } from '../auth/principal.ts';
import { dynamo, tableNames } from '../base/dynamo.ts';
import { ForbiddenError } from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { config } from '../config.ts';
import { auditReasonEnvelope } from '../crypto/runtime.ts';
import type { Patient } from '../fhir/patient.ts';
import { careLinkPk, careLinkPrefix } from './keys.ts';

/** `Practitioner/{id}` references (relative, this server's) in Patient.generalPractitioner. */
export function generalPractitionerIds(patient: Patient): string[] {
  return (patient.generalPractitioner ?? [])
    .map((reference) => /^Practitioner\/([A-Za-z0-9.-]{1,64})$/.exec(reference.reference ?? '')?.[1])
    .filter((id): id is string => id !== undefined);
}

export interface AccessRequest {
  principal: Principal;
  audit: AuditTrail;
  /** The clinician's stated break-glass reason, validated by the HTTP layer (`request.breakGlassReason`). */
  breakGlassReason: string | undefined;
}

/** A care link item as written by bookings and registrations; anything else grants nothing. */
const CareLinkItem = z.object({
  basis: z.enum(['appointment', 'registration', 'careteam']),
  end: z.string(),
  start: z.optional(z.string()),
});

/**
 * Links read per decision, latest ending first. Without a start, the latest ending link decides
 * alone; a care team's link may not have begun yet, so a few more are weighed.
 */
const CARE_LINKS_READ = 10;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The Patient policy as the repositories apply it, for one request: gathers the facts
 * (general practitioner, care links), decides, and when the decision rests on break-glass
 * marks the AuditEvent (purpose BTG) and writes the `breakGlass: true` log line the alarm
 * counts. Patient records and appointments both decide through here, so a break-glass
 * access is recorded the same way whichever route made it.
 */
export function patientAccessOf(request: AccessRequest) {
  const { principal, audit, breakGlassReason: reason } = request;

  /**
   * The links that end last (the sort key orders a patient's links by end): if none of them
   * grants, an earlier-ending one would not either, but for a care team's not yet begun.
   * Consistent, so a cancellation ends access at once.
   */
  const careLinks = async (patientId: string): Promise<CareLink[]> => {
    if (!principal.practitionerId) return [];
    const { Items } = await dynamo().send(
      new QueryCommand({
        TableName: tableNames().records,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: {
          ':pk': careLinkPk(principal.org, principal.practitionerId),
          ':prefix': careLinkPrefix(patientId),
        },
        ProjectionExpression: '#basis, #end, #start',
        ExpressionAttributeNames: { '#basis': 'basis', '#end': 'end', '#start': 'start' },
        ScanIndexForward: false,
        Limit: CARE_LINKS_READ,
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).flatMap((item) => {
      const link = CareLinkItem.safeParse(item);
      if (!link.success) return [];
      const { basis, end, start } = link.data;
      return [{ basis, end: Date.parse(end), ...(start === undefined ? {} : { start: Date.parse(start) }) }];
    });
  };

  return {
    /** The decision on `patient` (a stored Patient of the caller's organization). */
    async decide(patientId: string, patient: Patient, intent: Intent): Promise<PatientAccess> {
      return patientAccess(
        principal,
        {
          patientId,
          generalPractitioners: generalPractitionerIds(patient),
          careLinks: () => careLinks(patientId),
          now: Date.now(),
          careAccessAfterMs: config().CARE_ACCESS_DAYS_AFTER_VISIT * DAY_MS,
        },
        intent,
        reason,
      );
    },

    /** Records that `resource` was reached through break-glass. */
    breakGlass(resource: string): void {
      audit.breakGlassReason = reason;
      audit.reasonEnvelope = auditReasonEnvelope();
      log().warn('break-glass access', { breakGlass: true, requestId: audit.facts.requestId, resource });
    },

    /**
     * A write that rested on break-glass: the refusal is audited with purpose BTG and counted
     * by the alarm like an access (an attempt to turn an emergency into standing access is
     * what a reviewer wants to see). Returns the 403 to throw.
     */
    breakGlassRefused(resource: string): ForbiddenError {
      audit.breakGlassReason = reason;
      audit.reasonEnvelope = auditReasonEnvelope();
      log().warn('break-glass write refused', {
        breakGlass: true,
        outcome: 'refused',
        requestId: audit.facts.requestId,
        resource,
      });
      return new ForbiddenError(
        'break-glass grants read access only: changes need a care relationship with the patient',
      );
    },
  };
}
