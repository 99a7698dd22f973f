import { updateHandler } from '../../shared/http/clinical-handlers.ts';
import { immunizationType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** PUT /Immunization/{id} · clinician (care relationship; break-glass is 403), admin · audit U · 200|400|401|403|404|410|412|422|428 */
export const handler = updateHandler(contracts.update, immunizationType);
