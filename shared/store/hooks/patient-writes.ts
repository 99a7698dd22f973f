import { tableNames } from '../../base/dynamo.ts';
import { UnprocessableError } from '../../base/errors.ts';
import type { Patient } from '../../fhir/patient.ts';
import { careLinkPk, careLinkSk } from '../keys.ts';
import { MAX_SEARCH_ITEMS, patientSearchKeys } from '../patient-index.ts';
import type { Stored } from '../resources.ts';
import { patientType } from './patient.ts';
import type { StoreRequest, Version, VersionPlan, WriteHooks } from './types.ts';

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
