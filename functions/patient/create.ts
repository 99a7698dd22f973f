import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { routes } from '../../shared/routes.ts';
import { idempotencyOf } from '../../shared/store/idempotency.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** POST /Patient · clinician, admin · audit C · 201|400|401|403|409|413|415|422 */
export const handler = route(routes.createPatient, contracts.createPatient, async (request) => {
  const { stored } = await patients(request).create(
    request.body,
    idempotencyOf(request.principal, request.headers, request.body),
  );
  return resourceResponse(stored, 201, request);
});
