import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableNames } from '../../base/dynamo.ts';
import type { Appointment, AppointmentStatus } from '../../fhir/appointment.ts';
import { bookedVisit } from '../../schedule/visit.ts';
import { typePk } from '../keys.ts';
import { headCandidate, queryReader } from '../paging.ts';
import { patientAccessOf } from '../patient-access.ts';
import type { Stored } from '../resources.ts';
import { appointmentPatientPk, appointmentPractitionerPk, startSkRange } from '../schedule-keys.ts';
import { appointmentType } from './appointment.ts';
import { patientDecision } from './patient-decision.ts';
import type { SearchHooks, SearchPlan, SearchQuery, StoreRequest } from './types.ts';

export interface AppointmentSearch extends SearchQuery {
  patient?: string | undefined;
  practitioner?: string | undefined;
  status?: AppointmentStatus | undefined;
  /** Starts in [from, to) (shared/schedule/search.ts startRange reads them from `date`). */
  from?: number | undefined;
  to?: number | undefined;
}

/** A participant index (byPatient, byPractitioner: heads by start), within the start range. */
export function byParticipant(
  index: 'byPatient' | 'byPractitioner',
  pk: string,
  query: AppointmentSearch,
): QueryCommandInput {
  const name = index === 'byPatient' ? 'patientPk' : 'practitionerPk';
  const range = startSkRange(query.from, query.to);
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
    TableName: tableNames().records,
    IndexName: index,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: values,
  };
}

/** Whether a head meets the criteria its key space does not enforce. */
export const appointmentMatches =
  (query: AppointmentSearch) =>
  (head: Stored<Appointment>): boolean => {
    const visit = bookedVisit(head.resource);
    return (
      (query.status === undefined || head.resource.status === query.status) &&
      (query.patient === undefined || visit.patientId === query.patient) &&
      (query.practitioner === undefined || visit.practitionerId === query.practitioner) &&
      (query.from === undefined || visit.start >= query.from) &&
      (query.to === undefined || visit.start < query.to)
    );
  };

/**
 * Where a search reads: a patient, their own appointments; a clinician or admin naming a
 * patient, that patient's if the Patient policy lets them read the patient; else the
 * practitioner's (the named one, or a clinician's own); an admin naming nobody, the
 * organization's by last update. Status and the second participant filter the page; the
 * access hook filters what the caller may see.
 */
export async function planAppointmentSearch(
  request: StoreRequest,
  query: AppointmentSearch,
): Promise<SearchPlan<Appointment>> {
  const { principal, audit } = request;
  const org = principal.org;
  let input: QueryCommandInput | undefined;
  if (principal.role === 'patient') {
    const own = principal.patientId ?? '';
    if ((query.patient ?? own) === own)
      input = byParticipant('byPatient', appointmentPatientPk(org, own), query);
  } else if (principal.role === 'clinician' || principal.role === 'admin') {
    if (query.patient !== undefined) {
      const decision = await patientDecision(request, query.patient, 'read');
      if (decision.allowed) {
        audit.concernsPatient(query.patient);
        if (decision.breakGlass) patientAccessOf(request).breakGlass(`Patient/${query.patient}`);
        input = byParticipant('byPatient', appointmentPatientPk(org, query.patient), query);
      }
    } else if (query.practitioner !== undefined || principal.role === 'clinician') {
      const practitionerId = query.practitioner ?? principal.practitionerId ?? '';
      input = byParticipant('byPractitioner', appointmentPractitionerPk(org, practitionerId), query);
    } else {
      input = {
        TableName: tableNames().records,
        IndexName: 'byType',
        KeyConditionExpression: 'typePk = :type',
        ExpressionAttributeValues: { ':type': typePk(org, 'Appointment') },
        ScanIndexForward: false,
      };
    }
  }
  return input ? { read: queryReader(input, headCandidate), matches: appointmentMatches(query) } : {};
}

export const appointmentSearch: SearchHooks<Appointment, AppointmentSearch> = {
  ...appointmentType,
  plan: planAppointmentSearch,
};
