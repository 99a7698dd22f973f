import { createIfNoneExist, IF_NONE_EXIST_PAGE, ifNoneExistOf } from '../../shared/http/if-none-exist.ts';
import { resourceResponse } from '../../shared/http/resource-response.ts';
import { route } from '../../shared/http/route.ts';
import { patients } from '../../shared/store/patients.ts';
import { contracts } from './contracts.ts';

/** POST /Patient (optional If-None-Exist, Idempotency-Key) · clinician, admin · audit C · 201|200 (If-None-Exist matched)|400|401|403|409|412|413|415|422 */
export const handler = route(contracts.createPatient, async (request) => {
  const repository = patients(request);
  const create = async () => (await repository.create(request.body, request.idempotency)).stored;
  const criteria = ifNoneExistOf(request.headers, contracts.searchPatients.query);
  const { stored, created } = criteria
    ? await createIfNoneExist(
        () =>
          repository.search({ ...criteria, _count: IF_NONE_EXIST_PAGE, _cursor: undefined }, request.binding),
        create,
      )
    : { stored: await create(), created: true };
  return resourceResponse(stored, created ? 201 : 200, request);
});
