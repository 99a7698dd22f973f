import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { immunizationDefinition } from '../../shared/resources/clinical.ts';
import { immunizationType } from '../../shared/store/hooks/clinical-types.ts';

/** What the Immunization routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(immunizationDefinition, immunizationType.schema);
