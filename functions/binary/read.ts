import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { binaryType, withBody } from '../../shared/store/hooks/binary.ts';
import { readResource } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** GET /Binary/{id} · patient (own), clinician (care relationship or break-glass), admin · audit R · 200|401|403|404|410 */
export const handler = route(contracts.readBinary, async (request) => {
  const stored = await readResource(request, binaryType, request.params.id);
  return resourceResponse(
    { ...stored, resource: await withBody(request.principal.org, stored) },
    200,
    request,
  );
});
