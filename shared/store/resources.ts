import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import { auditPuts } from '../audit/log.ts';
import type { AuditTrail } from '../audit/trail.ts';
import { batchGetItems, dynamo, tableNames } from '../base/dynamo.ts';
import { ResourceTooLargeError, UnprocessableError } from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { config } from '../config.ts';
import type { StartKey } from '../crypto/cursor.ts';
import { recordEnvelope } from '../crypto/runtime.ts';
import { describeIssues } from '../fhir/issues.ts';
import {
  applyJsonPatch,
  DEFAULT_PATCH_LIMITS,
  type JsonPatch,
  JsonPatchError,
  JsonPatchLimitError,
} from '../fhir/json-patch.ts';
import { type CancellationCode, cancellationCodes } from './errors.ts';
import { HEAD, resourcePk, typePk, typeSk, VERSION_PREFIX, versionSk } from './keys.ts';

/**
 * Versioned, encrypted FHIR resources in the records table: a `head` item with the
 * current version (what reads and searches use) and one item per version (`_history`).
 * Only keys and the attributes queries need are in clear; the resource is `payload`.
 */

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** The server-owned fields a stored resource may carry. */
export type WithMeta = { id?: string; meta?: { versionId?: string; lastUpdated?: string } };

/** Server-owned fields: the id, and meta's version and time. Whatever the client sent is replaced. */
export function withServerFields<T extends WithMeta>(
  resource: T,
  id: string,
  versionId: number,
  lastUpdated: string,
): T {
  const { meta, ...rest } = resource;
  const { versionId: _clientVersion, lastUpdated: _clientTime, ...clientMeta } = meta ?? {};
  return { ...rest, id, meta: { ...clientMeta, versionId: String(versionId), lastUpdated } } as T;
}

/**
 * The resource a JSON Patch makes of a stored one: server-owned elements are refused, a patch
 * that cannot apply or yields an invalid resource is a 422 naming where. The document may
 * never grow past what a client could PUT (413), nor past the value and depth budget (422):
 * both are checked after every operation, so repeated `copy` cannot double it unchecked.
 */
export function patchedResource<T>(kind: ResourceKind<T>, current: T, operations: JsonPatch): T {
  for (const operation of operations) {
    if (/^\/(id|resourceType|meta\/(versionId|lastUpdated))(\/|$)/.test(operation.path)) {
      throw new UnprocessableError('server-owned elements cannot be patched', {
        details: [{ location: operation.path, message: 'is owned by the server' }],
      });
    }
  }
  let patched: unknown;
  try {
    patched = applyJsonPatch(current, operations, {
      ...DEFAULT_PATCH_LIMITS,
      maxBytes: config().MAX_BODY_BYTES,
    });
  } catch (error) {
    if (error instanceof JsonPatchLimitError) {
      const details = [{ location: error.location, message: error.message }];
      throw error.limit === 'bytes'
        ? new ResourceTooLargeError('the patched resource would be larger than a request body may be', {
            details,
          })
        : new UnprocessableError('the patch builds a document past the structure budget', {
            code: 'too-costly',
            details,
          });
    }
    if (error instanceof JsonPatchError) {
      throw new UnprocessableError('the patch cannot be applied', {
        details: [{ location: error.location, message: error.message }],
      });
    }
    throw error;
  }
  const result = kind.schema.safeParse(patched);
  if (!result.success) {
    throw new UnprocessableError(`the patched resource is not a valid ${kind.resourceType}`, {
      details: describeIssues(kind.resourceType, result.error),
    });
  }
  return result.data;
}

export interface Stored<T> {
  id: string;
  versionId: number;
  lastUpdated: string;
  deleted: boolean;
  /** The resource of this version; for a deleted head, the last live version (for policy checks only). */
  resource: T;
  /** Search item keys of the head (empty on versions). */
  tokens: string[];
  /** The sealed payload as stored, carried unopened into a deletion marker. */
  payload: Uint8Array;
}

const StoredItem = z.object({
  id: z.string(),
  versionId: z.number(),
  lastUpdated: z.string(),
  deleted: z.optional(z.boolean()),
  payload: z.instanceof(Uint8Array),
  payloadVersion: z.optional(z.number()),
  tokens: z.optional(z.array(z.string())),
});

export class StoredDataError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoredDataError';
  }
}

export interface ResourceKind<T> {
  readonly resourceType: string;
  readonly schema: z.ZodMiniType<T>;
}

async function decode<T>(kind: ResourceKind<T>, org: string, raw: unknown): Promise<Stored<T>> {
  const item = StoredItem.safeParse(raw);
  if (!item.success) throw new StoredDataError(`malformed ${kind.resourceType} item`);
  const { id, versionId, lastUpdated, deleted, payload, payloadVersion, tokens } = item.data;
  // The payload opens only as the version the item says it is: a live version's own, or, for
  // a deletion marker, the version it deleted. The clear `payloadVersion` never chooses: a
  // table writer could otherwise serve an old ciphertext as current (a rolled-back record).
  const sealedVersion = deleted ? versionId - 1 : versionId;
  if (payloadVersion !== undefined && payloadVersion !== sealedVersion) {
    throw new StoredDataError(`${kind.resourceType} item names another version than its own`);
  }
  const plaintext = await recordEnvelope().open(
    { tenant: org, resourceType: kind.resourceType, id, versionId: sealedVersion },
    payload,
  );
  const resource = kind.schema.safeParse(plaintext);
  if (!resource.success) throw new StoredDataError(`stored ${kind.resourceType} does not match its schema`);
  return {
    id,
    versionId,
    lastUpdated,
    deleted: deleted ?? false,
    resource: resource.data,
    tokens: tokens ?? [],
    payload,
  };
}

export async function getHead<T>(
  kind: ResourceKind<T>,
  org: string,
  id: string,
): Promise<Stored<T> | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableNames().records,
      Key: { pk: resourcePk(org, kind.resourceType, id), sk: HEAD },
      ConsistentRead: true,
    }),
  );
  if (!Item) return undefined;
  const stored = await decode(kind, org, Item);
  // An item copied whole from another record opens as that record: refuse it here.
  if (stored.id !== id) throw new StoredDataError(`${kind.resourceType} head of another record`);
  return stored;
}

export async function getVersion<T>(
  kind: ResourceKind<T>,
  org: string,
  id: string,
  versionId: number,
): Promise<Stored<T> | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({
      TableName: tableNames().records,
      Key: { pk: resourcePk(org, kind.resourceType, id), sk: versionSk(versionId) },
    }),
  );
  if (!Item) return undefined;
  const stored = await decode(kind, org, Item);
  if (stored.id !== id || stored.versionId !== versionId) {
    throw new StoredDataError(`${kind.resourceType} version item of another version`);
  }
  return stored;
}

/**
 * The heads of many ids, read in one go (BatchGetItem) and opened one at a time, when asked:
 * a search page decrypts the records it shows and the one after them that decides `next`,
 * not every item its read brought. The opener answers undefined for an id that does not
 * exist. With `skipUnreadable` (listings), a head that fails to decrypt or parse is also
 * undefined, and logged as an integrity failure, instead of failing the page for everyone.
 */
export async function fetchHeads<T>(
  kind: ResourceKind<T>,
  org: string,
  ids: readonly string[],
  options: { skipUnreadable?: boolean } = {},
): Promise<(id: string) => Promise<Stored<T> | undefined>> {
  const found = new Map<string, unknown>();
  const items = await batchGetItems(
    tableNames().records,
    [...new Set(ids)].map((id) => ({ pk: resourcePk(org, kind.resourceType, id), sk: HEAD })),
  );
  // By key, not by the clear `id`: an item copied from another record must not stand in for it.
  for (const item of items) {
    const pk: unknown = item.pk;
    if (typeof pk === 'string') found.set(pk, item);
  }
  return async (id) => {
    const item = found.get(resourcePk(org, kind.resourceType, id));
    if (item === undefined) return undefined;
    try {
      const head = await decode(kind, org, item);
      if (head.id !== id) throw new StoredDataError(`${kind.resourceType} head of another record`);
      return head;
    } catch (error) {
      const integrity =
        error instanceof StoredDataError || (error instanceof Error && error.name === 'DecryptError');
      if (!options.skipUnreadable || !integrity) throw error;
      log().error('integrity failure', { resource: `${kind.resourceType}/${id}`, errorName: error.name });
      return undefined;
    }
  };
}

export async function listVersions<T>(
  kind: ResourceKind<T>,
  org: string,
  id: string,
  limit: number,
  startKey?: StartKey,
): Promise<{ versions: Stored<T>[]; next?: StartKey }> {
  const { Items, LastEvaluatedKey } = await dynamo().send(
    new QueryCommand({
      TableName: tableNames().records,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': resourcePk(org, kind.resourceType, id), ':prefix': VERSION_PREFIX },
      ScanIndexForward: false,
      Limit: limit,
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    }),
  );
  const versions = await Promise.all((Items ?? []).map((item) => decode(kind, org, item)));
  return { versions, ...(LastEvaluatedKey ? { next: toStartKey(LastEvaluatedKey) } : {}) };
}

export function toStartKey(key: Record<string, unknown>): StartKey {
  const result: StartKey = {};
  for (const [name, value] of Object.entries(key)) {
    if (typeof value === 'string' || typeof value === 'number') result[name] = value;
  }
  return result;
}

/** The head and version items of a new version, payload sealed to exactly that version. */
export async function versionItems<T>(
  kind: ResourceKind<T>,
  org: string,
  resource: T & { id?: string },
  id: string,
  versionId: number,
  lastUpdated: string,
  extra: { tokens: string[]; head?: Record<string, unknown>; expectedVersion?: number },
): Promise<TransactItem[]> {
  const table = tableNames().records;
  const pk = resourcePk(org, kind.resourceType, id);
  const payload = await recordEnvelope().seal(
    { tenant: org, resourceType: kind.resourceType, id, versionId },
    resource,
  );
  const common = { pk, org, resourceType: kind.resourceType, id, versionId, lastUpdated, payload };
  const head: TransactItem = {
    Put: {
      TableName: table,
      Item: {
        ...common,
        sk: HEAD,
        tokens: extra.tokens,
        typePk: typePk(org, kind.resourceType),
        typeSk: typeSk(lastUpdated, id),
        ...extra.head,
      },
      ...(extra.expectedVersion === undefined
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : {
            ConditionExpression: 'versionId = :expected AND attribute_not_exists(deleted)',
            ExpressionAttributeValues: { ':expected': extra.expectedVersion },
          }),
    },
  };
  const version: TransactItem = {
    Put: {
      TableName: table,
      Item: { ...common, sk: versionSk(versionId) },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
  for (const item of [head, version]) assertItemFits(item.Put?.Item ?? {});
  return [head, version];
}

/** DynamoDB's item size limit, attribute names included. */
export const MAX_ITEM_BYTES = 400 * 1024;

/**
 * DynamoDB's item size (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html),
 * numbers counted at their 21-byte maximum so that the estimate never falls short.
 */
export function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return 21;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, item: unknown) => sum + 1 + itemBytes(item), 3);
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).reduce(
      (sum, [name, item]) => sum + Buffer.byteLength(name, 'utf8') + 1 + itemBytes(item),
      3,
    );
  }
  return 1;
}

/**
 * Refuses, before anything is written, an item DynamoDB would refuse with a ValidationException
 * (a 600 KB photo, a patch that grew the document): the client's answer is a 413, not a 500.
 */
function assertItemFits(item: Record<string, unknown>): void {
  // The top-level map's own 3 bytes are not part of an item's size.
  if (itemBytes(item) - 3 > MAX_ITEM_BYTES) {
    throw new ResourceTooLargeError('the resource is too large to store: over 400 KB once encrypted', {
      details: [{ message: 'shorten the resource, e.g. link large attachments by url instead of data' }],
    });
  }
}

/**
 * Deletion: the head becomes a marker (410 on read) that keeps the last payload sealed
 * under its own version for policy checks; a version item records the deletion for
 * `_history`; the resource leaves every search and listing.
 */
export function deletionItems(
  kind: { resourceType: string },
  org: string,
  current: { id: string; versionId: number; payload: Uint8Array; payloadVersion?: number },
  lastUpdated: string,
): TransactItem[] {
  const table = tableNames().records;
  const pk = resourcePk(org, kind.resourceType, current.id);
  const versionId = current.versionId + 1;
  const common = {
    pk,
    org,
    resourceType: kind.resourceType,
    id: current.id,
    versionId,
    payloadVersion: current.payloadVersion ?? current.versionId,
    lastUpdated,
    deleted: true,
    payload: current.payload,
  };
  return [
    {
      Put: {
        TableName: table,
        Item: { ...common, sk: HEAD },
        ConditionExpression: 'versionId = :expected AND attribute_not_exists(deleted)',
        ExpressionAttributeValues: { ':expected': current.versionId },
      },
    },
    {
      Put: {
        TableName: table,
        Item: { ...common, sk: versionSk(versionId) },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    },
  ];
}

/**
 * Commits a write and its AuditEvent in one transaction: both or neither. `onCancel`
 * turns the per-item cancellation codes into the client's answer (412, 409, ...).
 */
export async function commit(
  items: readonly TransactItem[],
  trail: AuditTrail,
  status: number,
  onCancel: (codes: CancellationCode[]) => Error | undefined,
): Promise<void> {
  try {
    await dynamo().send(
      new TransactWriteCommand({
        // The AuditEvent and its disclosure items (a write names one or two patients).
        TransactItems: [...items, ...auditPuts(await trail.build(status)).map((Put) => ({ Put }))],
      }),
    );
    trail.committed = true;
  } catch (error) {
    const codes = cancellationCodes(error);
    const mapped = codes ? onCancel(codes) : undefined;
    if (mapped) throw mapped;
    throw error;
  }
}
