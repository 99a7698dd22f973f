import { patchHandler } from '../../shared/http/clinical-handlers.ts';
import { documentReferenceType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** PATCH /DocumentReference/{id} (application/json-patch+json) · as update · audit U · 200|400|401|403|404|410|412|415|422|428 */
export const handler = patchHandler(contracts.patch, documentReferenceType);
