import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { medicationRequestDefinition } from '../../shared/resources/clinical.ts';
import { medicationRequestType } from '../../shared/store/hooks/clinical-types.ts';

/** What the MedicationRequest routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(medicationRequestDefinition, medicationRequestType.schema);
