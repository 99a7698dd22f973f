import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { procedureDefinition } from '../../shared/resources/clinical.ts';
import { procedureSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the Procedure routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(procedureDefinition, procedureSchema);
