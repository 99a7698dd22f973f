import { searchHandler } from '../../shared/http/clinical-handlers.ts';
import { encounterType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** GET /Encounter?patient=&... · patient (own), clinician (care relationship or break-glass), admin · audit E · 200|400|401|403 */
export const handler = searchHandler(contracts.search, encounterType);
