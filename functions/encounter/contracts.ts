import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { encounterDefinition } from '../../shared/resources/clinical.ts';
import { encounterType } from '../../shared/store/hooks/clinical-types.ts';

/** What the Encounter routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(encounterDefinition, encounterType.schema);
