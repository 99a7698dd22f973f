/**
 * `_include`: the resources a page's matches reference through a reference parameter
 * (`Observation:patient`, `Encounter:participant`), each read as a read of it would be: under
 * its own access rule, audited, and left out when the caller may not see it (never an error).
 */
import { HttpError } from '../base/errors.ts';
import { parameterValues } from '../fhir/search-match.ts';
import { encounterDefinition } from '../resources/clinical.ts';
import type { ClinicalDefinition } from '../resources/definition.ts';
import { appointmentType } from '../store/hooks/appointment.ts';
import { type FhirResource, storedClinicalType } from '../store/hooks/clinical.ts';
import { patientType } from '../store/hooks/patient.ts';
import { practitionerType } from '../store/hooks/practitioner.ts';
import type { ResourceType, StoreRequest } from '../store/hooks/types.ts';
import { readResource } from '../store/repository.ts';
import type { Stored } from '../store/resources.ts';
import type { SearchMatch } from './bundles.ts';

/** The types a served reference parameter targets (shared/resources/clinical.ts `target`). */
const INCLUDABLE: Readonly<Record<string, ResourceType<unknown>>> = {
  Patient: patientType as ResourceType<unknown>,
  Practitioner: practitionerType as ResourceType<unknown>,
  Appointment: appointmentType as ResourceType<unknown>,
  // Read back as $everything reads records (hooks/clinical.ts storedClinicalType): without the
  // Encounter structure in every clinical search's bundle.
  Encounter: /* @__PURE__ */ storedClinicalType(encounterDefinition) as ResourceType<unknown>,
};

/** Included resources one page brings at most: every reference of 100 matches, bounded. */
const MAX_INCLUDED = 200;

const REFERENCE = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})$/;

export async function includedMatches(
  request: StoreRequest & { baseUrl: string },
  definition: ClinicalDefinition,
  include: string | string[] | undefined,
  matches: readonly Stored<FhirResource>[],
): Promise<SearchMatch[]> {
  if (include === undefined) return [];
  const wanted = new Set<string>();
  for (const value of Array.isArray(include) ? include : [include]) {
    const name = value.slice(definition.resourceType.length + 1);
    const parameter = definition.searchParameters.find((candidate) => candidate.name === name);
    if (!parameter) continue;
    for (const match of matches) {
      for (const node of parameterValues(match.resource, parameter) ?? []) {
        const reference =
          typeof node === 'object' && node !== null ? Reflect.get(node, 'reference') : undefined;
        if (typeof reference === 'string' && REFERENCE.test(reference)) wanted.add(reference);
      }
    }
  }
  const included: SearchMatch[] = [];
  for (const reference of [...wanted].slice(0, MAX_INCLUDED)) {
    const [, resourceType = '', id = ''] = REFERENCE.exec(reference) ?? [];
    const type = INCLUDABLE[resourceType];
    if (!type) continue;
    try {
      const stored = await readResource(request, type, id);
      included.push({ id, resource: stored.resource, fullUrl: `${request.baseUrl}/${reference}` });
    } catch (error) {
      // Not there, deleted, or not the caller's to see: an include leaves it out.
      if (!(error instanceof HttpError) || error.status >= 500) throw error;
    }
  }
  return included;
}
