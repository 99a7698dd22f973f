import { routes } from '../../shared/routes.ts';
import { handler as search } from './search.ts';

/** POST /Immunization/_search (application/x-www-form-urlencoded) · as GET /Immunization, parameters in the body, links carry only the cursor · audit E · 200|400|401|403|413|415 */
export const handler = search.forRoute(routes.searchImmunizationPost);
