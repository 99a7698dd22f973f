/**
 * `_revinclude` on a Patient search (`Patient?_id=x&_revinclude=Observation:patient`): the
 * records of a clinical type that reference a page's patients through the type's `patient`
 * parameter, each patient's read from their own partition under that type's access rules (what
 * the caller may not see is left out), audited as the search's disclosures.
 */
import { clinicalDefinitions } from '../resources/clinical.ts';
import { storedClinicalType } from '../store/hooks/clinical.ts';
import { clinicalSearch } from '../store/hooks/clinical-search.ts';
import type { StoreRequest } from '../store/hooks/types.ts';
import { searchResources } from '../store/repository.ts';
import type { SearchMatch } from './bundles.ts';

/** Records one page brings at most, whatever its patients have. */
export const MAX_REVINCLUDED = 200;

const searchOf = new Map(
  clinicalDefinitions.map((definition) => [
    `${definition.resourceType}:patient`,
    { resourceType: definition.resourceType, search: clinicalSearch(storedClinicalType(definition)) },
  ]),
);

export async function revincludedMatches(
  request: StoreRequest & { baseUrl: string },
  revinclude: string | readonly string[] | undefined,
  patientIds: readonly string[],
): Promise<SearchMatch[]> {
  if (revinclude === undefined) return [];
  const included: SearchMatch[] = [];
  for (const value of new Set(typeof revinclude === 'string' ? [revinclude] : revinclude)) {
    const type = searchOf.get(value);
    if (!type) continue;
    for (const patientId of patientIds) {
      const _count = Math.min(100, MAX_REVINCLUDED - included.length);
      if (_count <= 0) return included;
      // No cursor is handed out: the binding only has to differ from any route's.
      const page = await searchResources(request, type.search, { patient: patientId, _count }, [
        'revinclude',
      ]);
      for (const match of page.matches) {
        included.push({
          id: match.id,
          resource: match.resource,
          fullUrl: `${request.baseUrl}/${type.resourceType}/${match.id}`,
        });
      }
    }
  }
  return included;
}
