import { updateHandler } from '../../shared/http/clinical-handlers.ts';
import { medicationRequestType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** PUT /MedicationRequest/{id} · clinician (care relationship; break-glass is 403), admin · audit U · 200|400|401|403|404|410|412|422|428 */
export const handler = updateHandler(contracts.update, medicationRequestType);
