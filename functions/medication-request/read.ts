import { readHandler } from '../../shared/http/clinical-handlers.ts';
import { medicationRequestType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** GET /MedicationRequest/{id} · patient (own), clinician (care relationship or break-glass), admin · audit R · 200|401|403|404|410 */
export const handler = readHandler(contracts.read, medicationRequestType);
