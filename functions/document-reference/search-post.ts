import { routes } from '../../shared/routes.ts';
import { handler as search } from './search.ts';

/** POST /DocumentReference/_search (application/x-www-form-urlencoded) · as GET /DocumentReference, parameters in the body, links carry only the cursor · audit E · 200|400|401|403|413|415 */
export const handler = search.forRoute(routes.searchDocumentReferencePost);
