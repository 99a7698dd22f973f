import { tableNames } from '../../base/dynamo.ts';
import { normalizeForSearch } from '../../crypto/normalize.ts';
import type { Practitioner } from '../../fhir/practitioner.ts';
import { typePk } from '../keys.ts';
import { headCandidate, queryReader } from '../paging.ts';
import { toStartKey } from '../resources.ts';
import { practitionerNamePk, practitionerType } from './practitioner.ts';
import type { SearchHooks, SearchPlan, SearchQuery, StoreRequest } from './types.ts';

export interface PractitionerSearch extends SearchQuery {
  name?: string | undefined;
}

/** `name` matches practitioners with a name word starting with it; without it, the newest first. */
export async function planPractitionerSearch(
  request: StoreRequest,
  query: PractitionerSearch,
): Promise<SearchPlan<Practitioner>> {
  const org = request.principal.org;
  const table = tableNames().records;
  const word = query.name === undefined ? undefined : normalizeForSearch(query.name);
  if (word !== undefined) {
    return {
      // Name items (pk: the org's name index, sk: word#id) carry the practitioner's id.
      read: queryReader(
        {
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :word)',
          ExpressionAttributeValues: { ':pk': practitionerNamePk(org), ':word': word },
        },
        (item) =>
          typeof item.id === 'string' && item.id !== ''
            ? { id: item.id, key: toStartKey({ pk: item.pk, sk: item.sk }) }
            : undefined,
      ),
    };
  }
  return {
    read: queryReader(
      {
        TableName: table,
        IndexName: 'byType',
        KeyConditionExpression: 'typePk = :type',
        ExpressionAttributeValues: { ':type': typePk(org, 'Practitioner') },
        ScanIndexForward: false,
      },
      headCandidate,
    ),
  };
}

export const practitionerSearch: SearchHooks<Practitioner, PractitionerSearch> = {
  ...practitionerType,
  plan: planPractitionerSearch,
};
