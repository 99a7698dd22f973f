import { normalizeForSearch } from '../../crypto/normalize.ts';
import { humanNameParts } from '../../fhir/datatypes.ts';
import { Practitioner } from '../../fhir/practitioner.ts';
import { practitionerDefinition } from '../../resources/practitioner.ts';
import { getHead, type Stored } from '../resources.ts';
import type { ResourceType } from './types.ts';

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
    for (const part of humanNameParts(name)) {
      for (const word of normalizeForSearch(part).split(' ')) if (word.length > 0) words.add(word);
    }
  }
  return [...words].slice(0, MAX_NAME_WORDS);
}

/** A practitioner of the organization, live, or undefined: for participant checks in bookings. */
export async function livePractitioner(org: string, id: string): Promise<Stored<Practitioner> | undefined> {
  const head = await getHead(practitionerType, org, id);
  return head && !head.deleted ? head : undefined;
}
