import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { encounterDefinition } from '../../shared/resources/clinical.ts';
import { encounterSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the Encounter routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(encounterDefinition, encounterSchema);
