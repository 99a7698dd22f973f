import { searchsetResponse } from '../../shared/http/bundles.ts';
import { route } from '../../shared/http/route.ts';
import { practitionerSearch } from '../../shared/store/hooks/practitioner-search.ts';
import { searchResources } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Practitioner?name=&_count= · any role of the organization · audit E · 200|400|401 */
export const handler = route(contracts.searchPractitioners, async (request) =>
  searchsetResponse(request, 'Practitioner', ({ cursor, count }) =>
    searchResources(
      request,
      practitionerSearch,
      { ...request.query, _count: count, _cursor: cursor },
      request.binding,
    ),
  ),
);
