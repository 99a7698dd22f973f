import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { AuditTrail } from '../audit/trail.ts';
import { breakGlassReason, type Intent, type PatientAccess, patientAccess } from '../auth/policy.ts';
import type { Principal } from '../auth/principal.ts';
import type { Patient } from '../fhir/patient.ts';
import { log } from '../http/logger.ts';
import { dynamo, tableNames } from './client.ts';
import { careLinkPk, careLinkSk } from './keys.ts';

/** `Practitioner/{id}` references (relative, this server's) in Patient.generalPractitioner. */
export function generalPractitionerIds(patient: Patient): string[] {
  return (patient.generalPractitioner ?? [])
    .map((reference) => /^Practitioner\/([A-Za-z0-9.-]{1,64})$/.exec(reference.reference ?? '')?.[1])
    .filter((id): id is string => id !== undefined);
}

export interface AccessRequest {
  principal: Principal;
  audit: AuditTrail;
  headers: Readonly<Record<string, string>>;
}

/**
 * The Patient policy as the repositories apply it, for one request: gathers the facts
 * (general practitioner, care link), decides, and when the decision rests on break-glass
 * marks the AuditEvent (purpose BTG) and writes the `breakGlass: true` log line the alarm
 * counts. Patient records and appointments both decide through here, so a break-glass
 * access is recorded the same way whichever route made it.
 */
export function patientAccessOf(request: AccessRequest) {
  const { principal, audit } = request;
  const reason = principal.role === 'clinician' ? breakGlassReason(request.headers) : undefined;

  const hasCareLink = async (patientId: string): Promise<boolean> => {
    if (!principal.practitionerId) return false;
    const { Item } = await dynamo().send(
      new GetCommand({
        TableName: tableNames().records,
        Key: { pk: careLinkPk(principal.org, principal.practitionerId), sk: careLinkSk(patientId) },
        ProjectionExpression: 'pk',
      }),
    );
    return Item !== undefined;
  };

  return {
    /** The decision on `patient` (a stored Patient of the caller's organization). */
    async decide(patientId: string, patient: Patient, intent: Intent): Promise<PatientAccess> {
      return patientAccess(
        principal,
        {
          patientId,
          generalPractitioners: generalPractitionerIds(patient),
          hasCareLink: () => hasCareLink(patientId),
        },
        intent,
        reason,
      );
    },

    /** Records that `resource` was reached through break-glass. */
    breakGlass(resource: string): void {
      audit.breakGlassReason = reason;
      log().warn('break-glass access', { breakGlass: true, requestId: audit.facts.requestId, resource });
    },
  };
}
