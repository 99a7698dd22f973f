import { createIfNoneExist, IF_NONE_EXIST_PAGE, ifNoneExistOf } from '../../shared/http/if-none-exist.ts';
import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patientSearch } from '../../shared/store/hooks/patient-search.ts';
import { patientWrites } from '../../shared/store/hooks/patient-writes.ts';
import { createResource, searchResources } from '../../shared/store/repository.ts';
import { contracts } from './contracts.ts';

/** POST /Patient (optional If-None-Exist, Idempotency-Key) · clinician, admin · audit C · 201|200 (If-None-Exist matched)|400|401|403|409|412|413|415|422 */
export const handler = route(contracts.createPatient, async (request) => {
  const create = async () =>
    (await createResource(request, patientWrites, request.body, request.idempotency)).stored;
  const criteria = ifNoneExistOf(request.headers, contracts.searchPatients.query);
  const { stored, created } = criteria
    ? await createIfNoneExist(
        () =>
          searchResources(
            request,
            patientSearch,
            { ...criteria, _count: IF_NONE_EXIST_PAGE, _cursor: undefined },
            request.binding,
          ),
        create,
      )
    : { stored: await create(), created: true };
  return resourceResponse(stored, created ? 201 : 200, request);
});
