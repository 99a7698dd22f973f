import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { tableNames } from '../../base/dynamo.ts';
import { BadRequestError } from '../../base/errors.ts';
import { matchesCriterion } from '../../fhir/search-match.ts';
import { compartmentPk, typePk } from '../keys.ts';
import { type Chunk, headCandidate, queryReader } from '../paging.ts';
import { patientAccessOf } from '../patient-access.ts';
import type { Stored } from '../resources.ts';
import type { ClinicalResourceType, FhirResource } from './clinical.ts';
import { patientDecision } from './patient-decision.ts';
import type { SearchHooks, SearchPlan, SearchQuery, StoreRequest } from './types.ts';

/** A parsed search of a clinical type: every served parameter by name (repeats are an AND). */
export type ClinicalSearch = SearchQuery & {
  _sort?: string | undefined;
  [name: string]: string | string[] | number | undefined;
};

/** Parameters about the result, not the match: the HTTP layer serves them. */
const RESULT_PARAMETERS = new Set(['_count', '_cursor', '_sort', '_include', '_revinclude']);

/** The `name[:modifier]=value` criteria of a search, one per repeat of a name. */
export function criteriaOf(query: ClinicalSearch): [string, string][] {
  return Object.entries(query).flatMap(([name, value]): [string, string][] => {
    if (RESULT_PARAMETERS.has(name) || value === undefined || typeof value === 'number') return [];
    return (Array.isArray(value) ? value : [value]).map((one): [string, string] => [name, one]);
  });
}

/** How a search is ordered: `_sort` of the type's sort date or `_lastUpdated`, `-` for descending. */
export interface SearchOrder {
  by: 'date' | 'lastUpdated';
  descending: boolean;
}

export function orderOf(type: ClinicalResourceType, query: ClinicalSearch): SearchOrder {
  const sort = query._sort;
  if (sort === undefined) return { by: 'date', descending: true };
  const descending = sort.startsWith('-');
  const name = descending ? sort.slice(1) : sort;
  if (name === '_lastUpdated') return { by: 'lastUpdated', descending };
  if (name === type.definition.sortDate) return { by: 'date', descending };
  throw new BadRequestError(`${type.resourceType} is sorted by ${type.definition.sortDate} or _lastUpdated`, {
    code: 'not-supported',
    details: [
      {
        location: 'query._sort',
        message: `must be ${type.definition.sortDate}, _lastUpdated, or either with -`,
      },
    ],
  });
}

/** `Patient/x` or `x`: the id a `patient` value names. */
const patientIdIn = (value: string): string => value.replace(/^Patient\//, '');

/** The ids of `_id` (a comma is an or), read in order, resuming after the last one returned. */
const idList =
  (ids: readonly string[]) =>
  async (start: Record<string, unknown> | undefined): Promise<Chunk> => {
    const from = typeof start?.at === 'number' ? start.at + 1 : 0;
    return { candidates: ids.slice(from).map((id, index) => ({ id, key: { at: from + index } })) };
  };

function partitionQuery(
  type: ClinicalResourceType,
  org: string,
  patientId: string,
  order: SearchOrder,
): QueryCommandInput {
  return {
    TableName: tableNames().records,
    IndexName: order.by === 'date' ? 'byPatient' : 'byPatientUpdated',
    KeyConditionExpression: 'patientPk = :pk',
    ExpressionAttributeValues: { ':pk': compartmentPk(org, type.resourceType, patientId) },
    ScanIndexForward: !order.descending,
  };
}

/**
 * Where a clinical search reads. A patient: their own partition. Anyone else naming a patient:
 * that patient's partition, when the Patient policy lets them read the patient (break-glass
 * noted). `_id`: those heads. Else the organization's records of the type by last update, each
 * under the access rule. Every criterion is then compared on the decrypted records. Never a Scan.
 */
export async function planClinicalSearch(
  type: ClinicalResourceType,
  request: StoreRequest,
  query: ClinicalSearch,
): Promise<SearchPlan<FhirResource>> {
  const { principal, audit } = request;
  const org = principal.org;
  const order = orderOf(type, query);
  const criteria = criteriaOf(query);
  const parameters = type.definition.searchParameters;
  const matches = (head: Stored<FhirResource>) =>
    criteria.every(([name, value]) =>
      name === '_id'
        ? value.split(',').includes(head.id)
        : matchesCriterion(head.resource, parameters, name, value),
    );
  const named = typeof query.patient === 'string' ? patientIdIn(query.patient) : undefined;
  let patientId: string | undefined;
  if (principal.role === 'patient') {
    const own = principal.patientId ?? '';
    if ((named ?? own) !== own) return {};
    patientId = own;
  } else if (named !== undefined) {
    const decision = await patientDecision(request, named, 'read');
    if (!decision.allowed) return {};
    audit.concernsPatient(named);
    if (decision.breakGlass) patientAccessOf(request).breakGlass(`Patient/${named}`);
    patientId = named;
  }
  if (typeof query._id === 'string') return { read: idList(query._id.split(',')), matches };
  if (patientId !== undefined) {
    return { read: queryReader(partitionQuery(type, org, patientId, order), headCandidate), matches };
  }
  if (order.by === 'date' && query._sort !== undefined) {
    throw new BadRequestError(`_sort=${query._sort} needs a patient`, {
      code: 'not-supported',
      details: [{ location: 'query._sort', message: 'must come with patient, or be _lastUpdated' }],
    });
  }
  return {
    read: queryReader(
      {
        TableName: tableNames().records,
        IndexName: 'byType',
        KeyConditionExpression: 'typePk = :type',
        ExpressionAttributeValues: { ':type': typePk(org, type.resourceType) },
        ScanIndexForward: order.by === 'lastUpdated' ? !order.descending : false,
      },
      headCandidate,
    ),
    matches,
  };
}

export const clinicalSearch = (type: ClinicalResourceType): SearchHooks<FhirResource, ClinicalSearch> => ({
  ...type,
  plan: (request, query) => planClinicalSearch(type, request, query),
});
