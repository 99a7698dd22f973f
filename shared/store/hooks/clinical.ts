import * as z from 'zod/mini';
import { compartmentAccess } from '../../auth/compartment.ts';
import type { Intent, PatientAccess } from '../../auth/policy.ts';
import { UnprocessableError } from '../../base/errors.ts';
import { elementRange, parameterValues } from '../../fhir/search-match.ts';
import type { ClinicalDefinition } from '../../resources/definition.ts';
import type { ResourceKind, Stored, WithMeta } from '../resources.ts';
import { patientDecision } from './patient-decision.ts';
import type { ResourceType, StoreRequest } from './types.ts';

/** A FHIR resource the engine stores as it came, once its structure is valid. */
export type FhirResource = WithMeta & { resourceType: string } & Record<string, unknown>;

export interface ClinicalResourceType extends ResourceType<FhirResource> {
  readonly definition: ClinicalDefinition;
}

const HIDDEN: PatientAccess = { allowed: false, hide: true };
const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9.-]{1,64})$/;

/** The id in the `Patient/{id}` reference of the patient element, or undefined. */
export function patientIdOf(definition: ClinicalDefinition, resource: FhirResource): string | undefined {
  const element: unknown = resource[definition.patientElement];
  if (typeof element !== 'object' || element === null) return undefined;
  const reference: unknown = Reflect.get(element, 'reference');
  return typeof reference === 'string' ? PATIENT_REFERENCE.exec(reference)?.[1] : undefined;
}

/** The compartment's patient of a resource about to be written; a 422 naming the element without one. */
export function requiredPatientId(definition: ClinicalDefinition, resource: FhirResource): string {
  const patientId = patientIdOf(definition, resource);
  if (patientId !== undefined) return patientId;
  const location = `${definition.resourceType}.${definition.patientElement}`;
  throw new UnprocessableError(`${location} must reference the patient the record is about`, {
    details: [{ location, message: 'must be a reference to a Patient of this server (Patient/{id})' }],
  });
}

/** The start of the sort date (epoch ms), or undefined for an undated resource. */
export function sortDateOf(definition: ClinicalDefinition, resource: FhirResource): number | undefined {
  const parameter = definition.searchParameters.find((candidate) => candidate.name === definition.sortDate);
  if (!parameter) return undefined;
  const starts = (parameterValues(resource, parameter) ?? [])
    .map((node) => elementRange(node)?.start)
    .filter((start): start is number => start !== undefined && Number.isFinite(start));
  return starts.length > 0 ? Math.min(...starts) : undefined;
}

/**
 * Every clinical type follows its patient's rules (shared/auth/compartment.ts): the patient
 * themself reads, a clinician with a care relationship reads and writes (break-glass: reads),
 * admins do, compliance never. Every refusal is a 404, but a write resting on break-glass is
 * the audited 403.
 */
async function clinicalAccess(
  definition: ClinicalDefinition,
  request: StoreRequest,
  stored: Stored<FhirResource>,
  intent: Intent,
): Promise<PatientAccess> {
  const patientId = patientIdOf(definition, stored.resource);
  if (patientId === undefined) return HIDDEN;
  const decision = await compartmentAccess(
    request.principal,
    { patientId, practitionerIds: [] },
    intent,
    () => patientDecision(request, patientId, intent),
  );
  if (decision.allowed || !decision.hide || decision.breakGlass) return decision;
  return HIDDEN;
}

/** The engine's view of a clinical type: its definition and the structure its records are parsed with. */
export function clinicalType(
  definition: ClinicalDefinition,
  schema: ResourceKind<FhirResource>['schema'],
): ClinicalResourceType {
  return {
    ...definition,
    definition,
    schema,
    compartmentPatient: (resource) => patientIdOf(definition, resource) ?? '',
    access: (request, stored, intent) => clinicalAccess(definition, request, stored, intent),
  };
}

/**
 * A clinical type for reading records back only (`$everything`, `_include`, `_revinclude`, the
 * read, vread, history and search routes: shared/http/clinical-handlers.ts): the stored
 * payload was validated against the type's structure when it was written and decrypts only
 * under its own encryption context (organization, type, id, version), so it is parsed for its
 * resourceType here instead of against the whole structure, which would put every type's
 * structure in the bundle of a function that reads them all.
 */
export const storedClinicalType = (definition: ClinicalDefinition): ClinicalResourceType =>
  clinicalType(
    definition,
    z.pipe(
      z.looseObject({ resourceType: z.literal(definition.resourceType) }),
      z.transform((value) => value as FhirResource),
    ),
  );
