import { searchHandler } from '../../shared/http/clinical-handlers.ts';
import { allergyIntoleranceType } from '../../shared/store/hooks/clinical-types.ts';
import { contracts } from './contracts.ts';

/** GET /AllergyIntolerance?patient=&... · patient (own), clinician (care relationship or break-glass), admin · audit E · 200|400|401|403 */
export const handler = searchHandler(contracts.search, allergyIntoleranceType);
