import { searchsetResponse } from '../../shared/http/bundles.ts';
import { everythingPage } from '../../shared/http/everything.ts';
import { route } from '../../shared/http/route.ts';
import { contracts } from './contracts.ts';

/** GET /Patient/{id}/$everything?start=&end=&_since=&_type=&_count= · patient (self), clinician (care relationship or break-glass), admin · audit E · 200|400|401|403|404|410 */
export const handler = route(contracts.patientEverything, async (request) => {
  const { id } = request.params;
  const { _cursor, _count, ...query } = request.query;
  return searchsetResponse(request, 'Patient', (page) =>
    everythingPage(request, id, query, page, request.binding),
  );
});
