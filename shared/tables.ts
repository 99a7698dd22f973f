/**
 * Table definitions shared by the CDK data stack and the local bootstrap, so that the
 * tables DynamoDB Local serves have exactly the keys and indexes deployed ones have.
 * Attribute names here are the only ones the key builders in shared/store may use.
 */

export interface KeySchema {
  partitionKey: string;
  sortKey?: string;
}

export interface IndexDef extends KeySchema {
  name: string;
  /** Attributes copied to the index besides the keys; `ALL` only where a query needs the item. */
  projection: 'KEYS_ONLY' | 'ALL';
}

export interface TableDef extends KeySchema {
  /** Logical name: the CDK construct id and the local table name suffix. */
  logicalName: string;
  /** Attribute that DynamoDB's TTL reads (epoch seconds), if the table expires items. */
  timeToLiveAttribute?: string;
  /** A DynamoDB stream of every change, with the images it carries. */
  stream?: 'NEW_AND_OLD_IMAGES';
  indexes: readonly IndexDef[];
}

/**
 * Records: FHIR resources (one `head` item with the current version, one item per
 * version for `_history`), blind-index search items, idempotency keys, booking locks.
 */
export const recordsTable = {
  logicalName: 'Records',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    // Heads of one resource type in one organization, by last update: unfiltered listing.
    { name: 'byType', partitionKey: 'typePk', sortKey: 'typeSk', projection: 'KEYS_ONLY' },
    // Appointment heads by participant, ordered by start: schedules and searches. Clinical
    // heads (Observation, Condition...) by their patient and type, ordered by their sort date.
    { name: 'byPatient', partitionKey: 'patientPk', sortKey: 'startSk', projection: 'KEYS_ONLY' },
    // The same partitions by last update: `_sort=_lastUpdated`, `$everything`'s `_since`.
    { name: 'byPatientUpdated', partitionKey: 'patientPk', sortKey: 'typeSk', projection: 'KEYS_ONLY' },
    { name: 'byPractitioner', partitionKey: 'practitionerPk', sortKey: 'startSk', projection: 'KEYS_ONLY' },
  ],
} as const satisfies TableDef;

/**
 * The access log: AuditEvents partitioned by hour (the sealing unit of the digest chain),
 * with indexes for the compliance queries. Append-only: application roles may PutItem
 * with attribute_not_exists and nothing else. Its stream (both images) feeds the archive
 * and the tampering alarm (shared/audit/stream.ts).
 */
export const auditTable = {
  logicalName: 'AccessLog',
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  stream: 'NEW_AND_OLD_IMAGES',
  indexes: [
    { name: 'byOrg', partitionKey: 'orgPk', sortKey: 'recordedSk', projection: 'ALL' },
    { name: 'byPatient', partitionKey: 'patientPk', sortKey: 'recordedSk', projection: 'ALL' },
    { name: 'byAgent', partitionKey: 'agentPk', sortKey: 'recordedSk', projection: 'ALL' },
    // Sparse: only events with a purpose of use (break-glass reviews) carry purposePk.
    { name: 'byPurpose', partitionKey: 'purposePk', sortKey: 'recordedSk', projection: 'ALL' },
  ],
} as const satisfies TableDef;

export const tableDefs = [recordsTable, auditTable] as const satisfies readonly TableDef[];
