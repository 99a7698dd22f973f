import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { binaryWrites } from '../../shared/store/hooks/binary.ts';
import { createResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** POST /Binary (optional Idempotency-Key) · clinician (care relationship with the securityContext's patient), admin · audit C · 201 (without data)|400|401|403|413|415|422 */
export const handler = route(contracts.createBinary, async (request) => {
  const { stored } = await createResource(
    request,
    binaryWrites(request.body.data),
    request.body,
    request.idempotency,
  );
  return resourceResponse(stored, 201, request);
});
