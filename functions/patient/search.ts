import { searchsetResponse } from '../../shared/http/bundles.ts';
import { revincludedMatches } from '../../shared/http/revincludes.ts';
import { route } from '../../shared/http/route.ts';
import { patientSearch } from '../../shared/store/hooks/patient-search.ts';
import { searchResources } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Patient?family=&given=&name=(starts-with, or :exact)&birthdate=&gender=&identifier=&_id=&_count=&_revinclude= · patient (self), clinician (their patients, or all with break-glass), admin · audit E · 200|400|401|403 */
export const handler = route(contracts.searchPatients, async (request) => {
  const { _revinclude, ...query } = request.query;
  return searchsetResponse(request, 'Patient', async ({ cursor, count }) => {
    const page = await searchResources(
      request,
      patientSearch,
      { ...query, _count: count, _cursor: cursor },
      request.binding,
    );
    const patients = page.matches.map((match) => match.id);
    return { ...page, included: await revincludedMatches(request, _revinclude, patients) };
  });
});
