import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { medicationRequestDefinition } from '../../shared/resources/clinical.ts';
import { medicationRequestSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the MedicationRequest routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(medicationRequestDefinition, medicationRequestSchema);
