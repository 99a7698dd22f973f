import type { Intent, PatientAccess } from '../../auth/policy.ts';
import { Patient } from '../../fhir/patient.ts';
import { patientAccessOf } from '../patient-access.ts';
import { getHead, type ResourceKind, type Stored } from '../resources.ts';
import type { StoreRequest } from './types.ts';

/** Read for the Patient policy's facts (generalPractitioner); the Patient hooks are not needed. */
const patientKind: ResourceKind<Patient> = { resourceType: 'Patient', schema: Patient };

const HIDDEN: PatientAccess = { allowed: false, hide: true };

/** One request's decisions by intent and patient: a search page asks once per patient. */
const decisions = new WeakMap<StoreRequest, Map<string, Promise<PatientAccess>>>();

/** Patient heads the request has already read (a Patient read, `$everything`'s first entry). */
const heads = new WeakMap<StoreRequest, Map<string, Stored<Patient>>>();

/**
 * The Patient policy's decision on this patient for `intent` (reading, or scheduling: booking
 * and changing appointments); an unknown or deleted patient is hidden. The patient's head is
 * read once per request: not again when the request read it already (knownPatientHead).
 */
export function patientDecision(
  request: StoreRequest,
  patientId: string,
  intent: Intent,
): Promise<PatientAccess> {
  let known = decisions.get(request);
  if (!known) {
    known = new Map();
    decisions.set(request, known);
  }
  const key = `${intent}#${patientId}`;
  let decision = known.get(key);
  if (!decision) {
    decision = (async (): Promise<PatientAccess> => {
      const head =
        heads.get(request)?.get(patientId) ?? (await getHead(patientKind, request.principal.org, patientId));
      if (!head || head.deleted) return HIDDEN;
      return patientAccessOf(request).decide(patientId, head.resource, intent);
    })();
    known.set(key, decision);
  }
  return decision;
}

/** A Patient head this request read (strongly, as patientDecision would): its decisions reuse it. */
export function knownPatientHead(request: StoreRequest, head: Stored<Patient>): void {
  let known = heads.get(request);
  if (!known) {
    known = new Map();
    heads.set(request, known);
  }
  known.set(head.id, head);
}
