import { tableNames } from '../../base/dynamo.ts';
import { BadRequestError } from '../../base/errors.ts';
import { normalizeForSearch, PREFIX_LENGTH, searchPrefix } from '../../crypto/normalize.ts';
import type { Patient } from '../../fhir/patient.ts';
import { typePk } from '../keys.ts';
import { type Chunk, headCandidate, queryReader } from '../paging.ts';
import {
  genderMatches,
  isNameParam,
  NAME_PARAMS,
  type NameParam,
  nameMatches,
  namePrefixKey,
  PATIENT_SEARCH_PARAMS,
  type PatientSearchParam,
  queryValue,
  searchItemKey,
} from '../patient-index.ts';
import type { Stored } from '../resources.ts';
import { patientType } from './patient.ts';
import type { SearchHooks, SearchPlan, StoreRequest } from './types.ts';

export type PatientSearch = Partial<
  Record<PatientSearchParam | `${NameParam}:exact` | 'gender' | '_id', string>
> & {
  _count: number;
  _cursor?: string | undefined;
};

/**
 * One parameter drives a Query on its blind-index items (or the byType index when there is
 * none: a search by `gender` alone, which is not indexed, or no parameter); the others filter
 * on the heads' tokens, and gender and names on the decrypted record. A name is found by how
 * it starts: the prefix token of its first characters gives the candidates, the decrypted
 * names decide; `:exact` takes the full-value token's candidates and compares as written.
 * Full-value tokens drive before prefix tokens, whose candidates are more. A patient only
 * finds themself.
 */
export async function planPatientSearch(
  request: StoreRequest,
  query: PatientSearch,
): Promise<SearchPlan<Patient>> {
  const { principal } = request;
  const org = principal.org;
  const wanted: string[] = [];
  const prefixes: string[] = [];
  const names: ((patient: Patient) => boolean)[] = [];
  for (const param of PATIENT_SEARCH_PARAMS) {
    const raw = query[param];
    if (raw === undefined) continue;
    if (!isNameParam(param)) {
      wanted.push(await searchItemKey(org, param, queryValue(param, raw)));
      continue;
    }
    const prefix = searchPrefix(normalizeForSearch(raw));
    // The query contract refuses it first; this keeps the plan from a Query on no token.
    if (prefix === undefined) {
      throw new BadRequestError(`${param} must have at least ${PREFIX_LENGTH} characters`, {
        details: [{ location: `query.${param}`, message: `must have at least ${PREFIX_LENGTH} characters` }],
      });
    }
    prefixes.push(await namePrefixKey(org, prefix));
    names.push((patient) => nameMatches(patient, param, raw, false));
  }
  for (const param of NAME_PARAMS) {
    const raw = query[`${param}:exact`];
    if (raw === undefined) continue;
    wanted.push(await searchItemKey(org, param, normalizeForSearch(raw)));
    names.push((patient) => nameMatches(patient, param, raw, true));
  }
  wanted.push(...prefixes);
  const matches = (head: Stored<Patient>) =>
    wanted.every((key) => head.tokens.includes(key)) &&
    names.every((nameMatch) => nameMatch(head.resource)) &&
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
