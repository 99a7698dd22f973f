/**
 * The hook interface of the resource engine (shared/store/repository.ts): what a resource type
 * declares so that the one versioned-resource flow (create with idempotency replay, read,
 * vread, update with If-Match, JSON Patch, logical delete, history, search with visible
 * paging) serves it. The engine owns the flow, the audit trail's entities, the 404/403/410
 * answers, If-Match, versions and the transaction; a hook only says what differs.
 *
 * Hooks come in three layers, so that a handler's bundle carries only what its operation
 * needs (esbuild drops unused exports, never unused members of an object):
 * - `ResourceType`: definition, schema and access, for every operation;
 * - `WriteHooks`: a `ResourceType` plus validation and the items of a write, for create,
 *   update, patch and delete;
 * - `SearchHooks`: a `ResourceType` plus the search plan.
 */
import type { Intent, PatientAccess } from '../../auth/policy.ts';
import type { StartKey } from '../../crypto/cursor.ts';
import type { JsonPatch } from '../../fhir/json-patch.ts';
import type { ResourceDefinition } from '../../resources/definition.ts';
import type { CancellationCode } from '../errors.ts';
import type { Chunk } from '../paging.ts';
import type { AccessRequest } from '../patient-access.ts';
import type { ResourceKind, Stored, TransactItem } from '../resources.ts';

/** One request as the store sees it: the caller, their audit trail, and what access needs. */
export type StoreRequest = AccessRequest;

export interface ResourceType<T> extends ResourceDefinition, ResourceKind<T> {
  /**
   * The patient whose compartment a stored resource is in (the AuditEvent concerns them).
   * Not called for `patientCompartment: 'self'` (the Patient is its own, by id) nor for types
   * in no compartment.
   */
  compartmentPatient?(resource: T): string;
  /**
   * The decision on `intent` for a stored resource (for a deleted head: its last live
   * version). Without side effects: the engine notes break-glass on the trail for what it
   * returns, answers a refusal with 404 (`hide`) or 403, and a refused break-glass with the
   * audited 403. Absent: everyone the route table lets in may.
   */
  access?(request: StoreRequest, stored: Stored<T>, intent: Intent): Promise<PatientAccess>;
  /** The intent of PUT, PATCH and DELETE: `write` unless said (an Appointment's is `schedule`). */
  changeIntent?: Intent;
}

/** A version about to be written: server fields set, not yet sealed. */
export interface Version<T> {
  id: string;
  versionId: number;
  lastUpdated: string;
  resource: T;
}

/** What a write adds to the engine's head and version items, in the same transaction. */
export interface VersionPlan {
  /** Clear attributes of the head (index keys, the few facts queries need). */
  head?: Record<string, unknown>;
  /** Further items: locks, care links, releases. Written after the head, version and search items. */
  items?: TransactItem[];
  /**
   * The client's answer when the transaction is cancelled, from the codes of `items` (same
   * order, same length); undefined leaves the engine's answer (412, replay, or the error).
   */
  onCancel?(codes: CancellationCode[]): Error | undefined;
}

/**
 * Search items of a version, one per token: the head keeps the list of tokens, so a change
 * writes only new items and deletes dropped ones, and a delete removes them all.
 */
export interface SearchIndexHooks<T> {
  /** The tokens of a version (a 422 when there are too many for one transaction). */
  tokens(org: string, resource: T): Promise<string[]>;
  /** The key of a token's item; the item also carries `id` and `org`. */
  key(org: string, token: string, id: string): { pk: string; sk: string };
}

export interface WriteHooks<T> extends ResourceType<T> {
  /**
   * Before a create is given its id: validation, checks on what it references, access to its
   * compartment (throws 422, 403, ...). Returns the resource to store (defaults filled in).
   */
  beforeCreate?(request: StoreRequest, resource: T): Promise<T>;
  /** Before a patch is applied (after access, before If-Match): limits on what a caller may touch. */
  beforePatch?(request: StoreRequest, current: Stored<T>, operations: JsonPatch): void;
  /** Before a change is written (after access and If-Match): the rules of changing `current` into `next`. */
  beforeChange?(request: StoreRequest, current: Stored<T>, next: T): Promise<void>;
  searchIndex?: SearchIndexHooks<T>;
  /** What a create (no `current`) or a change adds to the transaction. */
  versionPlan?(
    request: StoreRequest,
    version: Version<T>,
    current: Stored<T> | undefined,
  ): VersionPlan | Promise<VersionPlan>;
  /** What a delete removes besides the head's search items (a CareTeam's care links). */
  deletePlan?(request: StoreRequest, current: Stored<T>): TransactItem[];
  /**
   * Retry a transaction cancelled only by TransactionConflict (no condition failed): for
   * contended items such as schedule locks. Each attempt commits its own AuditEvent or none;
   * when the attempts run out, a 503 with `busyMessage`.
   */
  retryConflicts?: { busyMessage: string };
}

/** The paging parameters every search takes. */
export interface SearchQuery {
  _count: number;
  _cursor?: string | undefined;
}

/** A search's key space and the criteria it does not enforce. */
export interface SearchPlan<T> {
  /** The candidates' reader (`queryReader` or a fixed list); absent when the caller can see none. */
  read?: (start: StartKey | undefined, limit: number) => Promise<Chunk>;
  /** Criteria a live head must meet beyond the read (other parameters, decrypted filters). */
  matches?(head: Stored<T>): boolean;
}

export interface SearchHooks<T, Q extends SearchQuery> extends ResourceType<T> {
  /**
   * The plan of one search. May note on the trail what the query itself names (a patient
   * whose appointments are asked for); the engine notes every match.
   */
  plan(request: StoreRequest, query: Q): Promise<SearchPlan<T>>;
}
