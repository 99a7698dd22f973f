import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../audit/trail.ts';
import type { Principal } from '../auth/principal.ts';
import { tableNames } from '../base/dynamo.ts';
import { GoneError, NotFoundError, UnprocessableError } from '../base/errors.ts';
import { decodeCursor, encodeCursor, type StartKey } from '../crypto/cursor.ts';
import { normalizeForSearch } from '../crypto/normalize.ts';
import { Practitioner } from '../fhir/practitioner.ts';
import { parseWorkingHours, type WorkingHours } from '../schedule/working-hours.ts';
import { type Idempotency, idempotencyItem, replayOf } from './idempotency.ts';
import { typePk } from './keys.ts';
import { headCandidate, queryReader, visiblePage } from './paging.ts';
import {
  commit,
  getHead,
  getHeads,
  type ResourceKind,
  type Stored,
  type TransactItem,
  toStartKey,
  versionItems,
  withServerFields,
} from './resources.ts';

export const practitionerKind: ResourceKind<Practitioner> = {
  resourceType: 'Practitioner',
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

const MAX_NAME_WORDS = 30;

/** The working hours of a stored practitioner (validated when it was written). */
export const workingHoursOf = (practitioner: Practitioner): WorkingHours[] =>
  parseWorkingHours(practitioner.extension).hours;

/** A practitioner of the organization, live, or undefined: for participant checks in bookings. */
export async function livePractitioner(org: string, id: string): Promise<Stored<Practitioner> | undefined> {
  const head = await getHead(practitionerKind, org, id);
  return head && !head.deleted ? head : undefined;
}

/**
 * The organization's practitioner directory. Anyone signed in to the organization may read
 * it; only admins create (the route table says so). Every access is on the audit trail.
 */
export function practitioners(request: { principal: Principal; audit: AuditTrail }) {
  const { principal, audit } = request;
  const org = principal.org;

  const read = async (id: string): Promise<Stored<Practitioner>> => {
    audit.see(`Practitioner/${id}`);
    const head = await getHead(practitionerKind, org, id);
    if (!head) throw new NotFoundError(`Practitioner/${id} is not known`);
    if (head.deleted) throw new GoneError(`Practitioner/${id} has been deleted`);
    return head;
  };

  return {
    read,

    async create(
      resource: Practitioner,
      idempotency?: Idempotency,
    ): Promise<{ stored: Stored<Practitioner>; replayed: boolean }> {
      const { issues } = parseWorkingHours(resource.extension);
      if (issues.length > 0) {
        throw new UnprocessableError('the working hours are not valid', { details: issues });
      }
      const id = randomUUID();
      audit.see(`Practitioner/${id}`);
      const lastUpdated = new Date().toISOString();
      const stored = withServerFields(resource, id, 1, lastUpdated);
      const words = practitionerNameWords(stored);
      const table = tableNames().records;
      const nameItems: TransactItem[] = words.map((word) => ({
        Put: {
          TableName: table,
          Item: { pk: practitionerNamePk(org), sk: practitionerNameSk(word, id), id, org },
        },
      }));
      const items: TransactItem[] = [
        ...(await versionItems(practitionerKind, org, stored, id, 1, lastUpdated, {
          tokens: words.map((word) => practitionerNameSk(word, id)),
        })),
        ...nameItems,
        ...(idempotency ? [idempotencyItem(idempotency, `Practitioner/${id}`)] : []),
      ];
      try {
        await commit(items, audit, 201, (codes) =>
          idempotency && (codes.at(-2) === 'ConditionalCheckFailed' || codes.includes('TransactionConflict'))
            ? new ReplayNeeded()
            : undefined,
        );
      } catch (error) {
        if (!(error instanceof ReplayNeeded) || !idempotency) throw error;
        const ref = await replayOf(idempotency);
        const firstId = ref.slice('Practitioner/'.length);
        audit.entities.length = 0;
        return { stored: await read(firstId), replayed: true };
      }
      const result: Stored<Practitioner> = {
        id,
        versionId: 1,
        lastUpdated,
        deleted: false,
        resource: stored,
        tokens: [],
        payload: new Uint8Array(),
      };
      return { stored: result, replayed: false };
    },

    /** `name` matches practitioners with a name word starting with it; without it, the newest first. */
    async search(
      query: { name?: string | undefined; _count: number; _cursor?: string | undefined },
      binding: unknown,
    ): Promise<{ matches: Stored<Practitioner>[]; next?: string }> {
      const startKey: StartKey | undefined = query._cursor
        ? await decodeCursor(query._cursor, principal, binding)
        : undefined;
      const table = tableNames().records;
      const word = query.name === undefined ? undefined : normalizeForSearch(query.name);
      const read =
        word !== undefined
          ? // Name items (pk: the org's name index, sk: word#id) carry the practitioner's id.
            queryReader(
              {
                TableName: table,
                KeyConditionExpression: 'pk = :pk AND begins_with(sk, :word)',
                ExpressionAttributeValues: { ':pk': practitionerNamePk(org), ':word': word },
              },
              (item) =>
                typeof item.id === 'string' && item.id !== ''
                  ? { id: item.id, key: toStartKey({ pk: item.pk, sk: item.sk }) }
                  : undefined,
            )
          : queryReader(
              {
                TableName: table,
                IndexName: 'byType',
                KeyConditionExpression: 'typePk = :type',
                ExpressionAttributeValues: { ':type': typePk(org, 'Practitioner') },
                ScanIndexForward: false,
              },
              headCandidate,
            );
      const visible = async (ids: string[]) =>
        new Map(
          (await getHeads(practitionerKind, org, ids))
            .filter((head) => !head.deleted)
            .map((head) => [head.id, head] as const),
        );
      const page = await visiblePage(query._count, startKey, read, visible);
      const matches = page.matches;
      for (const match of matches) audit.see(`Practitioner/${match.id}`);
      const next = page.next ? await encodeCursor(page.next, principal, binding) : undefined;
      return { matches, ...(next ? { next } : {}) };
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
