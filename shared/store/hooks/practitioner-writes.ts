import { UnprocessableError } from '../../base/errors.ts';
import type { Practitioner } from '../../fhir/practitioner.ts';
import { parseWorkingHours } from '../../schedule/working-hours.ts';
import {
  practitionerNamePk,
  practitionerNameSk,
  practitionerNameWords,
  practitionerType,
} from './practitioner.ts';
import type { StoreRequest, WriteHooks } from './types.ts';

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
