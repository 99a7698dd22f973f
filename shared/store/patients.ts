import { randomUUID } from 'node:crypto';
import type { Intent } from '../auth/policy.ts';
import { tableNames } from '../base/dynamo.ts';
import {
  BadRequestError,
  ForbiddenError,
  GoneError,
  NotFoundError,
  PreconditionFailedError,
  PreconditionRequiredError,
  UnprocessableError,
} from '../base/errors.ts';
import { decodeCursor, encodeCursor, type StartKey } from '../crypto/cursor.ts';
import type { JsonPatch } from '../fhir/json-patch.ts';
import { Patient } from '../fhir/patient.ts';
import { type Idempotency, idempotencyItem, replayOf } from './idempotency.ts';
import { careLinkPk, careLinkSk, typePk } from './keys.ts';
import { type Chunk, headCandidate, queryReader, visiblePage } from './paging.ts';
import { type AccessRequest, patientAccessOf } from './patient-access.ts';
import {
  genderMatches,
  MAX_SEARCH_ITEMS,
  PATIENT_SEARCH_PARAMS,
  type PatientSearchParam,
  patientSearchKeys,
  queryValue,
  searchItemKey,
} from './patient-index.ts';
import {
  commit,
  deletionItems,
  getHead,
  getHeads,
  getVersion,
  listVersions,
  patchedResource,
  type ResourceKind,
  type Stored,
  type TransactItem,
  versionItems,
  withServerFields,
} from './resources.ts';

const kind: ResourceKind<Patient> = { resourceType: 'Patient', schema: Patient };

export type { AccessRequest } from './patient-access.ts';
export { generalPractitionerIds } from './patient-access.ts';

export type PatientSearch = Partial<Record<PatientSearchParam | 'gender' | '_id', string>> & {
  _count: number;
  _cursor?: string;
};

/**
 * Patient records as one caller may see them: every method applies the access policy and
 * leaves what it touched on the request's audit trail. Writes commit with their AuditEvent.
 */
export function patients(request: AccessRequest) {
  const { principal, audit } = request;
  const org = principal.org;
  const access = patientAccessOf(request);

  async function authorize(
    id: string,
    stored: Stored<Patient> | undefined,
    intent: Intent,
  ): Promise<Stored<Patient>> {
    audit.concernsPatient(id);
    if (!stored) throw new NotFoundError(`Patient/${id} is not known`);
    const decision = await access.decide(id, stored.resource, intent);
    if (!decision.allowed) {
      if (decision.breakGlass) throw access.breakGlassRefused(`Patient/${id}`);
      throw decision.hide
        ? new NotFoundError(`Patient/${id} is not known`)
        : new ForbiddenError('not allowed on this record');
    }
    if (decision.breakGlass) access.breakGlass(`Patient/${id}`);
    return stored;
  }

  const live = (stored: Stored<Patient>): Stored<Patient> => {
    if (stored.deleted) throw new GoneError(`Patient/${stored.id} has been deleted`);
    return stored;
  };

  const searchItems = (keys: string[], id: string): TransactItem[] =>
    keys.map((pk) => ({ Put: { TableName: tableNames().records, Item: { pk, sk: id, id, org } } }));

  async function writeVersion(
    id: string,
    resource: Patient,
    current: Stored<Patient> | undefined,
    status: number,
    extra: TransactItem[] = [],
    onCancel: (codes: string[]) => Error | undefined = () => undefined,
  ): Promise<Stored<Patient>> {
    const versionId = (current?.versionId ?? 0) + 1;
    const lastUpdated = new Date().toISOString();
    const stored = withServerFields(resource, id, versionId, lastUpdated);
    const tokens = await patientSearchKeys(org, stored);
    if (tokens.length > MAX_SEARCH_ITEMS) {
      throw new UnprocessableError(
        `a Patient may have at most ${MAX_SEARCH_ITEMS} searchable values (names, identifiers)`,
      );
    }
    const table = tableNames().records;
    const previous = new Set(current?.tokens ?? []);
    const next = new Set(tokens);
    const items: TransactItem[] = [
      ...(await versionItems(kind, org, stored, id, versionId, lastUpdated, {
        tokens,
        ...(current ? { expectedVersion: current.versionId } : {}),
      })),
      ...searchItems(
        tokens.filter((pk) => !previous.has(pk)),
        id,
      ),
      ...[...previous]
        .filter((pk) => !next.has(pk))
        .map((pk) => ({ Delete: { TableName: table, Key: { pk, sk: id } } })),
      ...extra,
    ];
    await commit(items, audit, status, (codes) => {
      // Losing a race on the head to another writer means the expected version is stale.
      if (codes[0] === 'ConditionalCheckFailed' || (current && codes[0] === 'TransactionConflict')) {
        return current
          ? new PreconditionFailedError(`Patient/${id} has changed since version ${current.versionId}`)
          : new UnprocessableError('a resource with this id exists already');
      }
      return onCancel(codes);
    });
    return {
      id,
      versionId,
      lastUpdated,
      deleted: false,
      resource: stored,
      tokens,
      payload: new Uint8Array(),
    };
  }

  function expectVersion(current: Stored<Patient>, ifMatch: number | undefined): void {
    if (ifMatch === undefined) {
      throw new PreconditionRequiredError('send If-Match with the version you are changing, e.g. W/"3"');
    }
    if (ifMatch !== current.versionId) {
      throw new PreconditionFailedError(
        `Patient/${current.id} is at version ${current.versionId}, not ${ifMatch}`,
      );
    }
  }

  return {
    async create(
      resource: Patient,
      idempotency?: Idempotency,
    ): Promise<{ stored: Stored<Patient>; replayed: boolean }> {
      const id = randomUUID();
      audit.concernsPatient(id);
      const extra: TransactItem[] = [];
      // The clinician who registers a patient cares for them for a while (first visit, corrections),
      // as after a visit; lasting access rests on a generalPractitioner reference or appointments.
      if (principal.role === 'clinician' && principal.practitionerId) {
        const registered = new Date().toISOString();
        extra.push({
          Put: {
            TableName: tableNames().records,
            Item: {
              pk: careLinkPk(org, principal.practitionerId),
              sk: careLinkSk(id, registered, 'registration', id),
              basis: 'registration',
              end: registered,
            },
          },
        });
      }
      if (idempotency) extra.push(idempotencyItem(idempotency, `Patient/${id}`));
      try {
        // The idempotency record is the last item before the AuditEvent.
        const stored = await writeVersion(id, resource, undefined, 201, extra, (codes) =>
          idempotency && (codes.at(-2) === 'ConditionalCheckFailed' || codes.includes('TransactionConflict'))
            ? new ReplayNeeded()
            : undefined,
        );
        return { stored, replayed: false };
      } catch (error) {
        if (!(error instanceof ReplayNeeded) || !idempotency) throw error;
        const ref = await replayOf(idempotency);
        const firstId = ref.slice('Patient/'.length);
        // The AuditEvent names what the caller got back, not the id that was never created.
        audit.entities.length = 0;
        audit.patientId = undefined;
        const stored = await authorize(firstId, await getHead(kind, org, firstId), 'read');
        return { stored: live(stored), replayed: true };
      }
    },

    async read(id: string): Promise<Stored<Patient>> {
      return live(await authorize(id, await getHead(kind, org, id), 'read'));
    },

    async vread(id: string, versionId: number): Promise<Stored<Patient>> {
      await authorize(id, await getHead(kind, org, id), 'read');
      const version = await getVersion(kind, org, id, versionId);
      if (!version) throw new NotFoundError(`Patient/${id} has no version ${versionId}`);
      return live(version);
    },

    async history(id: string, count: number, cursor: string | undefined, binding: unknown) {
      await authorize(id, await getHead(kind, org, id), 'read');
      const startKey = cursor ? await decodeCursor(cursor, principal, binding) : undefined;
      const page = await listVersions(kind, org, id, count, startKey);
      return {
        versions: page.versions,
        next: page.next ? await encodeCursor(page.next, principal, binding) : undefined,
      };
    },

    async update(id: string, ifMatch: number | undefined, resource: Patient): Promise<Stored<Patient>> {
      if (resource.id !== id) {
        throw new BadRequestError('the resource id must match the id in the URL', {
          details: [{ location: 'Patient.id', message: 'must equal the id in the URL' }],
        });
      }
      const current = live(await authorize(id, await getHead(kind, org, id), 'write'));
      expectVersion(current, ifMatch);
      return writeVersion(id, resource, current, 200);
    },

    async patch(id: string, ifMatch: number | undefined, operations: JsonPatch): Promise<Stored<Patient>> {
      const current = live(await authorize(id, await getHead(kind, org, id), 'write'));
      expectVersion(current, ifMatch);
      return writeVersion(id, patchedResource(kind, current.resource, operations), current, 200);
    },

    async remove(id: string, ifMatch: number | undefined): Promise<void> {
      const current = await authorize(id, await getHead(kind, org, id), 'write');
      if (current.deleted) return;
      if (ifMatch !== undefined && ifMatch !== current.versionId) {
        throw new PreconditionFailedError(`Patient/${id} is at version ${current.versionId}, not ${ifMatch}`);
      }
      const table = tableNames().records;
      const items: TransactItem[] = [
        ...deletionItems(kind, org, current, new Date().toISOString()),
        ...current.tokens.map((pk) => ({ Delete: { TableName: table, Key: { pk, sk: id } } })),
      ];
      await commit(items, audit, 204, (codes) =>
        codes[0] === 'ConditionalCheckFailed'
          ? new PreconditionFailedError(`Patient/${id} changed meanwhile`)
          : undefined,
      );
    },

    /**
     * Search: one parameter drives a Query on its blind-index items (or the byType index
     * when there is none: a search by `gender` alone, which is not indexed, or no
     * parameter), the others filter on the heads' search keys and gender on the decrypted
     * record; the policy filters what the caller may see, and the page reads on until it
     * knows whether more visible matches exist. Never a Scan.
     */
    async search(
      query: PatientSearch,
      binding: unknown,
    ): Promise<{ matches: Stored<Patient>[]; next?: string }> {
      const startKey: StartKey | undefined = query._cursor
        ? await decodeCursor(query._cursor, principal, binding)
        : undefined;
      const wanted: string[] = [];
      let driving: string | undefined;
      for (const param of PATIENT_SEARCH_PARAMS) {
        const raw = query[param];
        if (raw === undefined) continue;
        const key = await searchItemKey(org, param, queryValue(param, raw));
        wanted.push(key);
        driving ??= key;
      }
      const table = tableNames().records;
      const fixed = (ids: string[]) => async (): Promise<Chunk> => ({
        candidates: ids.map((id) => ({ id, key: { id } })),
      });
      let read: (start: StartKey | undefined, limit: number) => Promise<Chunk>;
      if (principal.role === 'patient') {
        // A patient's search can only ever find their own record.
        const own = principal.patientId ?? '';
        read = fixed((query._id ?? own) === own ? [own] : []);
      } else if (query._id !== undefined) {
        read = fixed([query._id]);
      } else if (driving) {
        const pk = driving;
        // A search item (pk: token, sk: patient id) names its patient.
        read = queryReader(
          { TableName: table, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': pk } },
          (item) => (typeof item.sk === 'string' ? { id: item.sk, key: { pk, sk: item.sk } } : undefined),
        );
      } else {
        read = queryReader(
          {
            TableName: table,
            IndexName: 'byType',
            KeyConditionExpression: 'typePk = :type',
            ExpressionAttributeValues: { ':type': typePk(org, 'Patient') },
            ScanIndexForward: false,
          },
          headCandidate,
        );
      }
      const visible = async (ids: string[]) => {
        const shown = new Map<string, { head: Stored<Patient>; breakGlass: boolean }>();
        const heads = (await getHeads(kind, org, ids, { skipUnreadable: true })).filter(
          (head) =>
            !head.deleted &&
            wanted.every((key) => head.tokens.includes(key)) &&
            (query.gender === undefined || genderMatches(head.resource, query.gender)),
        );
        for (const head of heads) {
          const decision = await access.decide(head.id, head.resource, 'read');
          if (decision.allowed) shown.set(head.id, { head, breakGlass: decision.breakGlass === true });
        }
        return shown;
      };
      const page = await visiblePage(query._count, startKey, read, visible);
      const matches: Stored<Patient>[] = [];
      for (const { head, breakGlass } of page.matches) {
        if (breakGlass) access.breakGlass(`Patient/${head.id}`);
        audit.see(`Patient/${head.id}`);
        matches.push(head);
      }
      if (matches.length === 1 && matches[0]) audit.patientId = matches[0].id;
      return { matches, ...(page.next ? { next: await encodeCursor(page.next, principal, binding) } : {}) };
    },
  };
}

/** A create lost on its idempotency record: answer with what the first request created. */
class ReplayNeeded extends Error {
  constructor() {
    super('idempotent replay');
    this.name = 'ReplayNeeded';
  }
}
