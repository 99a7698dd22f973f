import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { careTeamDefinition } from '../../shared/resources/clinical.ts';
import { careTeamSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the CareTeam routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(careTeamDefinition, careTeamSchema);
