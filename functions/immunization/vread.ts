import { vreadHandler } from '../../shared/http/clinical-handlers.ts';
import { immunizationType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** GET /Immunization/{id}/_history/{vid} · as read · audit R · 200|401|403|404|410 */
export const handler = vreadHandler(contracts.vread, immunizationType);
