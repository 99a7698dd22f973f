import type { CareBasis } from '../auth/policy.ts';

/**
 * Keys of the records table (see shared/tables.ts recordsTable). Pure: no I/O, unit-tested.
 * FHIR ids and organization ids match [A-Za-z0-9.-]{1,64}, so '#' and '?' cannot occur in
 * them and the separators below cannot be forged by a value.
 */

export const HEAD = 'head';

/** All items of one resource: its head and its versions. */
export const resourcePk = (org: string, resourceType: string, id: string): string =>
  `${org}#${resourceType}#${id}`;

/** Version items sort in version order: `v#0000000003`. */
export const versionSk = (versionId: number): string => `v#${String(versionId).padStart(10, '0')}`;
export const VERSION_PREFIX = 'v#';

/** Blind-index search item: one per (parameter, token) of a resource; sk is the resource id. */
export const searchPk = (org: string, resourceType: string, param: string, token: string): string =>
  `${org}#${resourceType}?${param}=${token}`;

/** byType index: heads of one type in one organization. */
export const typePk = (org: string, resourceType: string): string => `${org}#${resourceType}`;
export const typeSk = (lastUpdated: string, id: string): string => `${lastUpdated}#${id}`;

/**
 * A care relationship between a practitioner and a patient, one item per basis (an appointment,
 * a registration). The sort key puts the basis's end time (ISO 8601, UTC, fixed width) after
 * the patient, so the practitioner's links with one patient sort by end and the latest ending
 * one is the first of a descending Query on `careLinkPrefix`.
 */
export const careLinkPk = (org: string, practitionerId: string): string => `${org}#care#${practitionerId}`;
export const careLinkPrefix = (patientId: string): string => `${patientId}#`;
export const careLinkSk = (patientId: string, end: string, basis: CareBasis, basisId: string): string =>
  `${careLinkPrefix(patientId)}${end}#${basis}#${basisId}`;

/** What only idempotency keys contain: the batch function's grant is scoped to it. */
export const IDEMPOTENCY_KEY_MARK = '#idem#';

/** Idempotency record of one caller's key (the key itself is hashed, it is client-chosen text). */
export const idempotencyPk = (org: string, sub: string, keyHash: string): string =>
  `${org}${IDEMPOTENCY_KEY_MARK}${sub}#${keyHash}`;

export const IDEMPOTENCY_SK = 'idem';
/** The batch record of one caller's key (POST /): apart from a single create's under the same key. */
export const BATCH_IDEMPOTENCY_SK = 'batch';

/**
 * The used client assertions of a backend service, `_smart#assertion#<client id>` / `<jti>`:
 * `_` begins no org id, so no record key shares the prefix the token function's grant is bound to.
 */
export const ASSERTION_KEY_PREFIX = '_smart#assertion#';
export const assertionPk = (clientId: string): string => `${ASSERTION_KEY_PREFIX}${clientId}`;

/**
 * The partition of one patient's resources of one clinical type (the byPatient index), as an
 * Appointment's: `org#Observation?patient=<id>`.
 */
export const compartmentPk = (org: string, resourceType: string, patientId: string): string =>
  `${org}#${resourceType}?patient=${patientId}`;

/** Undated resources sort before every date (`0` < `1`...): last when newest come first. */
export const UNDATED = '0';

/** `2026-12-01T09:05:00.000Z#<id>`: the start of a resource's sort date, fixed width, then its id. */
export const sortDateSk = (start: number | undefined, id: string): string =>
  `${start === undefined ? UNDATED : new Date(start).toISOString()}#${id}`;
