import { createHandler } from '../../shared/http/clinical-handlers.ts';
import { encounterType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** POST /Encounter (optional If-None-Exist, Idempotency-Key) · clinician (care relationship), admin · audit C · 201|200|400|401|403|409|412|413|415|422 */
export const handler = createHandler(contracts.create, contracts.search, encounterType);
