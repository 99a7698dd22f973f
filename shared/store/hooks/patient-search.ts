import { tableNames } from '../../base/dynamo.ts';
import type { Patient } from '../../fhir/patient.ts';
import { typePk } from '../keys.ts';
import { type Chunk, headCandidate, queryReader } from '../paging.ts';
import {
  genderMatches,
  PATIENT_SEARCH_PARAMS,
  type PatientSearchParam,
  queryValue,
  searchItemKey,
} from '../patient-index.ts';
import type { Stored } from '../resources.ts';
import { patientType } from './patient.ts';
import type { SearchHooks, SearchPlan, StoreRequest } from './types.ts';

export type PatientSearch = Partial<Record<PatientSearchParam | 'gender' | '_id', string>> & {
  _count: number;
  _cursor?: string | undefined;
};

/**
 * One parameter drives a Query on its blind-index items (or the byType index when there is
 * none: a search by `gender` alone, which is not indexed, or no parameter); the others filter
 * on the heads' tokens and gender on the decrypted record. A patient only finds themself.
 */
export async function planPatientSearch(
  request: StoreRequest,
  query: PatientSearch,
): Promise<SearchPlan<Patient>> {
  const { principal } = request;
  const org = principal.org;
  const wanted: string[] = [];
  for (const param of PATIENT_SEARCH_PARAMS) {
    const raw = query[param];
    if (raw !== undefined) wanted.push(await searchItemKey(org, param, queryValue(param, raw)));
  }
  const matches = (head: Stored<Patient>) =>
    wanted.every((key) => head.tokens.includes(key)) &&
    (query.gender === undefined || genderMatches(head.resource, query.gender));
  const fixed = (ids: string[]) => async (): Promise<Chunk> => ({
    candidates: ids.map((id) => ({ id, key: { id } })),
  });
  if (principal.role === 'patient') {
    const own = principal.patientId ?? '';
    return { read: fixed((query._id ?? own) === own ? [own] : []), matches };
  }
  if (query._id !== undefined) return { read: fixed([query._id]), matches };
  const [driving] = wanted;
  if (driving !== undefined) {
    const table = tableNames().records;
    return {
      read: queryReader(
        {
          TableName: table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': driving },
        },
        // A search item (pk: token, sk: patient id) names its patient.
        (item) =>
          typeof item.sk === 'string' ? { id: item.sk, key: { pk: driving, sk: item.sk } } : undefined,
      ),
      matches,
    };
  }
  return {
    read: queryReader(
      {
        TableName: tableNames().records,
        IndexName: 'byType',
        KeyConditionExpression: 'typePk = :type',
        ExpressionAttributeValues: { ':type': typePk(org, 'Patient') },
        ScanIndexForward: false,
      },
      headCandidate,
    ),
    matches,
  };
}

export const patientSearch: SearchHooks<Patient, PatientSearch> = { ...patientType, plan: planPatientSearch };
