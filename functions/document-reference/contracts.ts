import { clinicalContracts } from '../../shared/http/clinical-contracts.ts';
import { documentReferenceDefinition } from '../../shared/resources/clinical.ts';
import { documentReferenceSchema } from '../../shared/store/hooks/clinical-schemas.ts';

/** What the DocumentReference routes accept (shared/routes.ts clinicalRoutes): its R4 structure and search parameters. */
export const contracts = clinicalContracts(documentReferenceDefinition, documentReferenceSchema);
