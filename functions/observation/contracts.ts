import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { observationDefinition } from '../../shared/resources/clinical.ts';
import { observationSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the Observation routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(observationDefinition, observationSchema);
