import { deleteHandler } from '../../shared/http/clinical-handlers.ts';
import { medicationRequestType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** DELETE /MedicationRequest/{id} · as update · audit D · 204|401|403|404|412 */
export const handler = deleteHandler(contracts.delete, medicationRequestType);
