import { routes } from '../../shared/routes.ts';
import { handler as search } from './search.ts';

/** POST /Procedure/_search (application/x-www-form-urlencoded) · as GET /Procedure, parameters in the body, links carry only the cursor · audit E · 200|400|401|403|413|415 */
export const handler = search.forRoute(routes.searchProcedurePost);
