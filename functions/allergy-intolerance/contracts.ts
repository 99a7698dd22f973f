import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { allergyIntoleranceDefinition } from '../../shared/resources/clinical.ts';
import { allergyIntoleranceSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the AllergyIntolerance routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(allergyIntoleranceDefinition, allergyIntoleranceSchema);
