import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { patientSearch } from '../../shared/store/hooks/patient-search.ts';
import { searchResources } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Patient?family=&given=&name=(starts-with, or :exact)&birthdate=&gender=&identifier=&_id=&_count= · patient (self), clinician (their patients, or all with break-glass), admin · audit E · 200|400|401|403 */
export const handler = route(contracts.searchPatients, async (request) =>
  searchsetResponse(request, 'Patient', ({ cursor, count }) =>
    searchResources(
      request,
      patientSearch,
      { ...request.query, _count: count, _cursor: cursor },
      request.binding,
    ),
  ),
);
