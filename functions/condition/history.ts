import { historyHandler } from '../../shared/http/clinical-handlers.ts';
import { conditionType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** GET /Condition/{id}/_history · as read · audit R · 200|400|401|403|404 */
export const handler = historyHandler(contracts.history, conditionType);
