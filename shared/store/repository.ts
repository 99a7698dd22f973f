import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../audit/trail.ts';
import type { Intent, PatientAccess } from '../auth/policy.ts';
import { type Interaction, resourceScopeAccess } from '../auth/scopes.ts';
import { tableNames } from '../base/dynamo.ts';
import {
  BadRequestError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  ServiceUnavailableError,
  UnprocessableError,
} from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { decodeCursor, encodeCursor } from '../crypto/cursor.ts';
import type { JsonPatch } from '../fhir/json-patch.ts';
import type { CancellationCode } from './errors.ts';
import type {
  ResourceType,
  SearchHooks,
  SearchQuery,
  StoreRequest,
  Version,
  WriteHooks,
} from './hooks/types.ts';
import { type Idempotency, idempotencyItem, replayOf } from './idempotency.ts';
import { visiblePage } from './paging.ts';
import { patientAccessOf } from './patient-access.ts';
import {
  commit,
  deletionItems,
  fetchHeads,
  getHead,
  getVersion,
  listVersions,
  patchedResource,
  type Stored,
  type TransactItem,
  versionItems,
  type WithMeta,
  withServerFields,
} from './resources.ts';

/**
 * The one versioned-resource repository: every resource type is created, read, changed,
 * deleted, listed and searched by these functions, with what differs declared as hooks
 * (shared/store/hooks/). Every function applies the type's access decision and leaves what it
 * touched on the request's audit trail; writes commit with their AuditEvent. Separate
 * functions, not an object of methods, so that each handler's bundle carries only its own.
 */

const referenceOf = (type: { resourceType: string }, id: string): string => `${type.resourceType}/${id}`;

/** The resource a request names, on the trail before it is looked up (so a 404 names it too). */
function noteSubject(request: StoreRequest, type: ResourceType<unknown>, id: string): void {
  request.audit.see(referenceOf(type, id));
  if (type.patientCompartment === 'self') request.audit.concernsPatient(id);
}

/** Applies a decision: 404 or 403 for a refusal, the audited 403 for refused break-glass. */
function enforce(request: StoreRequest, reference: string, decision: PatientAccess): void {
  if (!decision.allowed) {
    if (decision.breakGlass) throw patientAccessOf(request).breakGlassRefused(reference);
    throw decision.hide
      ? new NotFoundError(`${reference} is not known`)
      : new ForbiddenError('not allowed on this record');
  }
  if (decision.breakGlass) patientAccessOf(request).breakGlass(reference);
}

const compartmentPatientOf = <T>(type: ResourceType<T>, id: string, resource: T): string | undefined =>
  type.patientCompartment === 'self' ? id : type.compartmentPatient?.(resource);

/** Whether the token's scopes reach this resource (launch patient, granular restriction). */
const scopesReach = <T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
  resource: T,
  interaction: Interaction,
) =>
  resourceScopeAccess(request.principal, interaction, {
    resourceType: type.resourceType,
    searchParameters: type.searchParameters,
    resource,
    compartmentPatient: compartmentPatientOf(type, id, resource),
  });

/**
 * A SMART token's refusal of one resource: a stored resource outside the launch patient's
 * compartment is not known (404), as for a role; anything else, and a resource being written
 * outside it (`stored` false), is a 403 naming the scope.
 */
function enforceScopes<T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
  resource: T,
  interaction: Interaction,
  stored = true,
): void {
  const access = scopesReach(request, type, id, resource, interaction);
  if (access.allowed) return;
  throw access.hide && stored
    ? new NotFoundError(`${referenceOf(type, id)} is not known`)
    : new ForbiddenError(access.message);
}

/**
 * The head of `id` if the caller may `intent` it (deleted or not) and the token's scopes reach
 * it for `interaction`; 404 for unknown.
 */
async function authorize<T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
  intent: Intent,
  interaction: Interaction = 'r',
): Promise<Stored<T>> {
  noteSubject(request, type, id);
  const stored = await getHead(type, request.principal.org, id);
  const reference = referenceOf(type, id);
  if (!stored) throw new NotFoundError(`${reference} is not known`);
  if (type.compartmentPatient) request.audit.concernsPatient(type.compartmentPatient(stored.resource));
  if (type.access) enforce(request, reference, await type.access(request, stored, intent));
  enforceScopes(request, type, id, stored.resource, interaction);
  return stored;
}

function live<T>(type: ResourceType<T>, stored: Stored<T>): Stored<T> {
  if (stored.deleted) throw new GoneError(`${referenceOf(type, stored.id)} has been deleted`);
  return stored;
}

const changeIntent = (type: ResourceType<unknown>): Intent => type.changeIntent ?? 'write';

/**
 * If-Match against the current version: 412 on a mismatch; without it, 428 where the change
 * requires it (update, patch) and nothing where it is optional (delete).
 */
export function expectVersion(
  type: { resourceType: string },
  current: { id: string; versionId: number },
  ifMatch: number | undefined,
  required = true,
): void {
  if (ifMatch === undefined) {
    if (!required) return;
    throw new PreconditionRequiredError('send If-Match with the version you are changing, e.g. W/"3"');
  }
  if (ifMatch !== current.versionId) {
    throw new PreconditionFailedError(
      `${referenceOf(type, current.id)} is at version ${current.versionId}, not ${ifMatch}`,
    );
  }
}

/** The record of a version this request wrote: what the response and the caller see. */
const writtenVersion = <T>(version: Version<T>, tokens: string[] = []): Stored<T> => ({
  id: version.id,
  versionId: version.versionId,
  lastUpdated: version.lastUpdated,
  deleted: false,
  resource: version.resource,
  tokens,
  payload: new Uint8Array(),
});

/** A create lost on its idempotency record: answer with what the first request created. */
class ReplayNeeded extends Error {
  constructor() {
    super('idempotent replay');
    this.name = 'ReplayNeeded';
  }
}

/** A transaction that lost only to a concurrent one (no condition failed): worth another try. */
class RetryableConflict extends Error {
  constructor() {
    super('transaction conflict');
    this.name = 'RetryableConflict';
  }
}

/** Attempts of a transaction that lost only on DynamoDB's conflict detection, not on a condition. */
const MAX_ATTEMPTS = 10;

const onlyConflicts = (codes: CancellationCode[]) =>
  codes.includes('TransactionConflict') && !codes.includes('ConditionalCheckFailed');

/**
 * `commit`, and with `retry` again while DynamoDB cancels it only for concurrency: each
 * attempt is a whole transaction with its own AuditEvent, and only one commits.
 */
async function commitWrite(
  items: readonly TransactItem[],
  audit: AuditTrail,
  status: number,
  retry: { busyMessage: string } | undefined,
  onCancel: (codes: CancellationCode[]) => Error | undefined,
): Promise<void> {
  if (!retry) return commit(items, audit, status, onCancel);
  for (let attempt = 1; ; attempt++) {
    try {
      await commit(items, audit, status, (codes) =>
        onlyConflicts(codes) ? new RetryableConflict() : onCancel(codes),
      );
      return;
    } catch (error) {
      if (!(error instanceof RetryableConflict)) throw error;
      log().info('transaction conflict, retrying', { requestId: audit.facts.requestId, attempt });
      if (attempt >= MAX_ATTEMPTS) throw new ServiceUnavailableError(retry.busyMessage, { cause: error });
      const backoff = Math.min(400, 10 * 2 ** attempt) * (0.5 + Math.random());
      await new Promise((done) => setTimeout(done, backoff));
    }
  }
}

/**
 * Writes the next version of `id` (the first without `current`): head and version items,
 * the search items that changed, what the type adds, the idempotency record last, and the
 * AuditEvent, in one transaction.
 */
async function writeVersion<T extends WithMeta>(
  request: StoreRequest,
  type: WriteHooks<T>,
  id: string,
  resource: T,
  current: Stored<T> | undefined,
  idempotency?: Idempotency,
): Promise<Stored<T>> {
  const org = request.principal.org;
  const reference = referenceOf(type, id);
  const versionId = (current?.versionId ?? 0) + 1;
  const lastUpdated = new Date().toISOString();
  const version: Version<T> = {
    id,
    versionId,
    lastUpdated,
    resource: withServerFields(resource, id, versionId, lastUpdated),
  };
  const index = type.searchIndex;
  const tokens = index ? await index.tokens(org, version.resource) : [];
  const plan = type.versionPlan ? await type.versionPlan(request, version, current) : {};
  const table = tableNames().records;
  const previous = new Set(current?.tokens ?? []);
  const next = new Set(tokens);
  const searchItems: TransactItem[] = index
    ? [
        ...tokens
          .filter((token) => !previous.has(token))
          .map((token) => ({ Put: { TableName: table, Item: { ...index.key(org, token, id), id, org } } })),
        ...[...previous]
          .filter((token) => !next.has(token))
          .map((token) => ({ Delete: { TableName: table, Key: index.key(org, token, id) } })),
      ]
    : [];
  const extra = plan.items ?? [];
  const items: TransactItem[] = [
    ...(await versionItems(type, org, version.resource, id, versionId, lastUpdated, {
      tokens,
      ...(plan.head ? { head: plan.head } : {}),
      ...(current ? { expectedVersion: current.versionId } : {}),
    })),
    ...searchItems,
    ...extra,
    ...(idempotency ? [idempotencyItem(idempotency, reference)] : []),
  ];
  const extraAt = items.length - extra.length - (idempotency ? 1 : 0);
  const idempotencyAt = items.length - 1;
  await commitWrite(items, request.audit, current ? 200 : 201, type.retryConflicts, (codes) => {
    if (idempotency && codes[idempotencyAt] === 'ConditionalCheckFailed') return new ReplayNeeded();
    const mapped = plan.onCancel?.(codes.slice(extraAt, extraAt + extra.length));
    if (mapped) return mapped;
    // Losing a race on the head to another writer means the expected version is stale.
    if (codes[0] === 'ConditionalCheckFailed' || (current && codes[0] === 'TransactionConflict')) {
      return current
        ? new PreconditionFailedError(`${reference} has changed since version ${current.versionId}`)
        : new UnprocessableError('a resource with this id exists already');
    }
    // A create racing its own retry: the other one may hold the idempotency record.
    if (idempotency && codes.includes('TransactionConflict')) return new ReplayNeeded();
    return undefined;
  });
  return writtenVersion(version, tokens);
}

/**
 * FHIR create: the type's checks, a new id, the first version. With an Idempotency-Key, a
 * retry of a create that committed answers with the resource it created (`replayed`).
 */
export async function createResource<T extends WithMeta>(
  request: StoreRequest,
  type: WriteHooks<T>,
  resource: T,
  idempotency?: Idempotency,
): Promise<{ stored: Stored<T>; replayed: boolean }> {
  const checked = type.beforeCreate ? await type.beforeCreate(request, resource) : resource;
  const id = randomUUID();
  noteSubject(request, type, id);
  enforceScopes(request, type, id, checked, 'c', false);
  try {
    return {
      stored: await writeVersion(request, type, id, checked, undefined, idempotency),
      replayed: false,
    };
  } catch (error) {
    if (!(error instanceof ReplayNeeded) || !idempotency) throw error;
    const firstId = (await replayOf(idempotency)).slice(`${type.resourceType}/`.length);
    request.audit.restart();
    return { stored: live(type, await authorize(request, type, firstId, 'read')), replayed: true };
  }
}

/** FHIR read: the current version; 404 unknown or hidden, 410 deleted. */
export async function readResource<T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
): Promise<Stored<T>> {
  return live(type, await authorize(request, type, id, 'read'));
}

/** FHIR vread: one version, for whoever may read the resource. */
export async function readResourceVersion<T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
  versionId: number,
): Promise<Stored<T>> {
  await authorize(request, type, id, 'read');
  const version = await getVersion(type, request.principal.org, id, versionId);
  if (!version) throw new NotFoundError(`${referenceOf(type, id)} has no version ${versionId}`);
  return live(type, version);
}

/** FHIR history of one resource, newest first, paged with a cursor bound to `binding`. */
export async function resourceHistory<T>(
  request: StoreRequest,
  type: ResourceType<T>,
  id: string,
  count: number,
  cursor: string | undefined,
  binding: unknown,
): Promise<{ versions: Stored<T>[]; next?: string | undefined }> {
  const { principal } = request;
  await authorize(request, type, id, 'read');
  const startKey = cursor ? await decodeCursor(cursor, principal, binding) : undefined;
  const page = await listVersions(type, principal.org, id, count, startKey);
  return {
    versions: page.versions,
    next: page.next ? await encodeCursor(page.next, principal, binding) : undefined,
  };
}

/** FHIR update: the whole resource replaced, at the version If-Match names. */
export async function updateResource<T extends WithMeta>(
  request: StoreRequest,
  type: WriteHooks<T>,
  id: string,
  ifMatch: number | undefined,
  resource: T,
): Promise<Stored<T>> {
  if (resource.id !== id) {
    throw new BadRequestError('the resource id must match the id in the URL', {
      details: [{ location: `${type.resourceType}.id`, message: 'must equal the id in the URL' }],
    });
  }
  const current = live(type, await authorize(request, type, id, changeIntent(type), 'u'));
  expectVersion(type, current, ifMatch);
  await type.beforeChange?.(request, current, resource);
  enforceScopes(request, type, id, resource, 'u', false);
  return writeVersion(request, type, id, resource, current);
}

/** FHIR patch (JSON Patch) at the version If-Match names. */
export async function patchResource<T extends WithMeta>(
  request: StoreRequest,
  type: WriteHooks<T>,
  id: string,
  ifMatch: number | undefined,
  operations: JsonPatch,
): Promise<Stored<T>> {
  const current = live(type, await authorize(request, type, id, changeIntent(type), 'u'));
  type.beforePatch?.(request, current, operations);
  expectVersion(type, current, ifMatch);
  const next = patchedResource(type, current.resource, operations);
  await type.beforeChange?.(request, current, next);
  enforceScopes(request, type, id, next, 'u', false);
  return writeVersion(request, type, id, next, current);
}

/** FHIR delete, logical: the history stays; deleting what is deleted is a success. */
export async function deleteResource<T>(
  request: StoreRequest,
  type: WriteHooks<T>,
  id: string,
  ifMatch: number | undefined,
): Promise<void> {
  const org = request.principal.org;
  const current = await authorize(request, type, id, changeIntent(type), 'd');
  if (current.deleted) return;
  expectVersion(type, current, ifMatch, false);
  const table = tableNames().records;
  const index = type.searchIndex;
  const items: TransactItem[] = [
    ...deletionItems(type, org, current, new Date().toISOString()),
    ...(index
      ? current.tokens.map((token) => ({ Delete: { TableName: table, Key: index.key(org, token, id) } }))
      : []),
    ...(type.deletePlan?.(request, current) ?? []),
  ];
  await commit(items, request.audit, 204, (codes) =>
    codes[0] === 'ConditionalCheckFailed'
      ? new PreconditionFailedError(`${referenceOf(type, id)} changed meanwhile`)
      : undefined,
  );
}

const ALLOWED: PatientAccess = { allowed: true, breakGlass: false };

/**
 * FHIR search: the type's plan reads candidates, live heads that match and that the caller
 * may read fill the page (visible-only paging: see paging.ts), and every match is on the
 * trail with its compartment's patient. Never a Scan.
 */
export async function searchResources<T, Q extends SearchQuery>(
  request: StoreRequest,
  type: SearchHooks<T, Q>,
  query: Q,
  binding: unknown,
): Promise<{ matches: Stored<T>[]; next?: string }> {
  const { principal, audit } = request;
  const plan = await type.plan(request, query);
  const read = plan.read;
  if (!read) return { matches: [] };
  const startKey = query._cursor ? await decodeCursor(query._cursor, principal, binding) : undefined;
  const visible = async (ids: string[]) => {
    // An unreadable head is logged and left out rather than failing the page for everyone.
    const open = await fetchHeads(type, principal.org, ids, { skipUnreadable: true });
    return async (id: string) => {
      const head = await open(id);
      if (!head || head.deleted || (plan.matches && !plan.matches(head))) return undefined;
      // What the token's scopes do not reach is left out, as what the role may not see.
      if (!scopesReach(request, type, head.id, head.resource, 's').allowed) return undefined;
      const decision = type.access ? await type.access(request, head, 'read') : ALLOWED;
      return decision.allowed ? { head, breakGlass: decision.breakGlass } : undefined;
    };
  };
  const page = await visiblePage(query._count, startKey, read, visible);
  const matches: Stored<T>[] = [];
  const patients = new Set<string>();
  for (const { head, breakGlass } of page.matches) {
    const reference = referenceOf(type, head.id);
    if (breakGlass) patientAccessOf(request).breakGlass(reference);
    audit.see(reference);
    // BALP: the patient of every listed resource is a disclosed entity of the event.
    const patientId = type.patientCompartment === 'self' ? head.id : type.compartmentPatient?.(head.resource);
    if (patientId !== undefined) {
      audit.see(`Patient/${patientId}`);
      patients.add(patientId);
    }
    matches.push(head);
  }
  const [onlyPatient] = patients;
  if (patients.size === 1 && onlyPatient !== undefined) audit.concernsPatient(onlyPatient);
  return { matches, ...(page.next ? { next: await encodeCursor(page.next, principal, binding) } : {}) };
}
