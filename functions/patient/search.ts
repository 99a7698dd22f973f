import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** GET /Patient?family=&given=&name=&birthdate=&gender=&identifier=&_id=&_count= · patient (self), clinician (their patients, or all with break-glass), admin · audit E · 200|400|401|403 */
export const handler = route(contracts.searchPatients, async (request) =>
  searchsetResponse(request, 'Patient', ({ cursor, count }) =>
    patients(request).search({ ...request.query, _count: count, _cursor: cursor }, request.binding),
  ),
);
