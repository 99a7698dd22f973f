import { tableNames } from '../../base/dynamo.ts';
import { UnprocessableError } from '../../base/errors.ts';
import { normalizeForSearch } from '../../crypto/normalize.ts';
import { Practitioner } from '../../fhir/practitioner.ts';
import { practitionerDefinition } from '../../resources/practitioner.ts';
import { parseWorkingHours } from '../../schedule/working-hours.ts';
import { typePk } from '../keys.ts';
import { headCandidate, queryReader } from '../paging.ts';
import { getHead, type Stored, toStartKey } from '../resources.ts';
import type {
  ResourceType,
  SearchHooks,
  SearchPlan,
  SearchQuery,
  StoreRequest,
  WriteHooks,
} from './types.ts';

/**
 * The organization's practitioner directory: anyone signed in to the organization may read
 * it, only admins write (the route table says so), so no access hook.
 */
export const practitionerType: ResourceType<Practitioner> = {
  ...practitionerDefinition,
  schema: Practitioner,
};

/**
 * Name search over practitioners uses a plaintext index of normalized name words: a
 * practitioner directory is not PHI (names of staff are shown to every patient who books),
 * and plaintext allows FHIR's starts-with string matching (`name=broe` finds "van den Broek"),
 * which blind indexes cannot. One partition per organization: `org#Practitioner?name`, sort
 * key `<word>#<id>`. The resource itself is still stored encrypted, like every record.
 */
export const practitionerNamePk = (org: string): string => `${org}#Practitioner?name`;
export const practitionerNameSk = (word: string, id: string): string => `${word}#${id}`;

const MAX_NAME_WORDS = 30;

/** The normalized words a practitioner is found by: every word of every name part. Pure. */
export function practitionerNameWords(practitioner: Practitioner): string[] {
  const words = new Set<string>();
  for (const name of practitioner.name ?? []) {
    for (const part of [
      name.text,
      name.family,
      ...(name.given ?? []),
      ...(name.prefix ?? []),
      ...(name.suffix ?? []),
    ]) {
      if (part === undefined) continue;
      for (const word of normalizeForSearch(part).split(' ')) if (word.length > 0) words.add(word);
    }
  }
  return [...words].slice(0, MAX_NAME_WORDS);
}

/** Working hours must be valid before a practitioner can be booked against them: 422 otherwise. */
export async function checkWorkingHours(
  _request: StoreRequest,
  practitioner: Practitioner,
): Promise<Practitioner> {
  const { issues } = parseWorkingHours(practitioner.extension);
  if (issues.length > 0) throw new UnprocessableError('the working hours are not valid', { details: issues });
  return practitioner;
}

export const practitionerWrites: WriteHooks<Practitioner> = {
  ...practitionerType,
  beforeCreate: checkWorkingHours,
  searchIndex: {
    // A name item's token is its sort key: the partition is the organization's name index.
    tokens: async (_org, practitioner) =>
      practitionerNameWords(practitioner).map((word) => practitionerNameSk(word, practitioner.id ?? '')),
    key: (org, token) => ({ pk: practitionerNamePk(org), sk: token }),
  },
};

/** A practitioner of the organization, live, or undefined: for participant checks in bookings. */
export async function livePractitioner(org: string, id: string): Promise<Stored<Practitioner> | undefined> {
  const head = await getHead(practitionerType, org, id);
  return head && !head.deleted ? head : undefined;
}

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
