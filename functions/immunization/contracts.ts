import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { immunizationDefinition } from '../../shared/resources/clinical.ts';
import { immunizationSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the Immunization routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(immunizationDefinition, immunizationSchema);
