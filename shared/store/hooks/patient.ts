import { tableNames } from '../../base/dynamo.ts';
import { UnprocessableError } from '../../base/errors.ts';
import { Patient } from '../../fhir/patient.ts';
import { patientDefinition } from '../../resources/patient.ts';
import { careLinkPk, careLinkSk, typePk } from '../keys.ts';
import { type Chunk, headCandidate, queryReader } from '../paging.ts';
import { patientAccessOf } from '../patient-access.ts';
import {
  genderMatches,
  MAX_SEARCH_ITEMS,
  PATIENT_SEARCH_PARAMS,
  type PatientSearchParam,
  patientSearchKeys,
  queryValue,
  searchItemKey,
} from '../patient-index.ts';
import type { Stored } from '../resources.ts';
import type {
  ResourceType,
  SearchHooks,
  SearchPlan,
  StoreRequest,
  Version,
  VersionPlan,
  WriteHooks,
} from './types.ts';

/** Patient: the compartment's own resource, under the Patient policy. */
export const patientType: ResourceType<Patient> = {
  ...patientDefinition,
  schema: Patient,
  access: (request, stored, intent) => patientAccessOf(request).decide(stored.id, stored.resource, intent),
};

/** Blind-index items: pk is the token's key (`org#Patient?param=hmac`), sk the patient's id. */
async function patientTokens(org: string, patient: Patient): Promise<string[]> {
  const tokens = await patientSearchKeys(org, patient);
  if (tokens.length > MAX_SEARCH_ITEMS) {
    throw new UnprocessableError(
      `a Patient may have at most ${MAX_SEARCH_ITEMS} searchable values (names, identifiers)`,
    );
  }
  return tokens;
}

/**
 * The clinician who registers a patient cares for them for a while (first visit, corrections),
 * as after a visit; lasting access rests on a generalPractitioner reference or appointments.
 */
export function registrationPlan(
  request: StoreRequest,
  version: Version<Patient>,
  current: Stored<Patient> | undefined,
): VersionPlan {
  const { principal } = request;
  if (current || principal.role !== 'clinician' || !principal.practitionerId) return {};
  return {
    items: [
      {
        Put: {
          TableName: tableNames().records,
          Item: {
            pk: careLinkPk(principal.org, principal.practitionerId),
            sk: careLinkSk(version.id, version.lastUpdated, 'registration', version.id),
            basis: 'registration',
            end: version.lastUpdated,
          },
        },
      },
    ],
  };
}

export const patientWrites: WriteHooks<Patient> = {
  ...patientType,
  searchIndex: { tokens: patientTokens, key: (_org, token, id) => ({ pk: token, sk: id }) },
  versionPlan: registrationPlan,
};

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
