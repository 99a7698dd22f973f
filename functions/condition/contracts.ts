import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { conditionDefinition } from '../../shared/resources/clinical.ts';
import { conditionSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the Condition routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(conditionDefinition, conditionSchema);
