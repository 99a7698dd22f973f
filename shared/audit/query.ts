import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Principal } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError } from '../http/errors.ts';
import { log } from '../http/logger.ts';
import { dynamo, tableNames } from '../store/client.ts';
import { decodeCursor, encodeCursor, type StartKey } from '../store/cursor.ts';
import { timeOfUuidv7 } from './ids.ts';
import { eventPartition, eventSortKey, hourOf, orgKey, patientKey } from './keys.ts';
import { type AuditCriteria, indexPartitionKey, planAuditQuery, type QueryPlan } from './query-plan.ts';
import { parseStoredEvent, type StoredAuditEvent } from './resource.ts';
import type { AuditTrail } from './trail.ts';

/**
 * The access log as the compliance functions read it: only the caller's organization,
 * only through keys and indexes (never a Scan), never a write. The request's own
 * AuditEvent is left by the middy stack.
 */

export interface LoggedEvent {
  /** The stored canonical JSON, exactly as hashed and sealed. */
  text: string;
  resource: StoredAuditEvent;
}

export interface EventPage {
  events: LoggedEvent[];
  next: string | undefined;
}

/** How many Query calls one page may take when filters discard items (the rest comes with `next`). */
const MAX_ROUNDS = 8;

const Item = z.object({
  pk: z.string(),
  sk: z.string(),
  recordedSk: z.string(),
  orgPk: z.string(),
  event: z.string(),
  patientPk: z.optional(z.string()),
  agentPk: z.optional(z.string()),
  purposePk: z.optional(z.string()),
});

const StartKeySchema = z.record(z.string(), z.string());

function toEvent(raw: unknown): LoggedEvent | undefined {
  const item = Item.safeParse(raw);
  const resource = item.success ? parseStoredEvent(item.data.event) : undefined;
  if (!item.success || !resource) {
    // Logged by key only; the verifier names what happened to it.
    log().warn('unreadable access-log item skipped', {
      sk: typeof raw === 'object' && raw && 'sk' in raw ? String(raw.sk) : undefined,
    });
    return undefined;
  }
  return { text: item.data.event, resource };
}

/** The index and table keys of an item: where the next page starts. */
function startKeyOf(plan: QueryPlan, raw: unknown): StartKey | undefined {
  const item = Item.safeParse(raw);
  if (!item.success) return undefined;
  const name = indexPartitionKey(plan.index);
  const indexValue = item.data[name];
  if (indexValue === undefined) return undefined;
  return { pk: item.data.pk, sk: item.data.sk, recordedSk: item.data.recordedSk, [name]: indexValue };
}

async function queryPage(plan: QueryPlan, count: number, start: StartKey | undefined) {
  const names: Record<string, string> = { '#p': plan.partitionKey.name };
  const values: Record<string, string> = { ':p': plan.partitionKey.value };
  let keyCondition = '#p = :p';
  const { from, to } = plan.sortKey;
  if (from !== undefined) values[':from'] = from;
  if (to !== undefined) values[':to'] = to;
  if (from !== undefined || to !== undefined) names['#s'] = 'recordedSk';
  if (from !== undefined && to !== undefined) keyCondition += ' AND #s BETWEEN :from AND :to';
  else if (from !== undefined) keyCondition += ' AND #s >= :from';
  else if (to !== undefined) keyCondition += ' AND #s <= :to';
  const filter = plan.filters.map((condition, index) => {
    names[`#f${index}`] = condition.name;
    values[`:f${index}`] = condition.value;
    return `#f${index} = :f${index}`;
  });

  const raws: Record<string, unknown>[] = [];
  let cursor = start;
  for (let round = 0; round < MAX_ROUNDS; round += 1) {
    const wanted = count - raws.length;
    const page = await dynamo().send(
      new QueryCommand({
        TableName: tableNames().audit,
        IndexName: plan.index,
        KeyConditionExpression: keyCondition,
        ...(filter.length > 0 ? { FilterExpression: filter.join(' AND ') } : {}),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
        // Filters discard items after the read: read ahead, and cut the page at `count` below.
        Limit: filter.length > 0 ? Math.min(1000, Math.max(wanted * 4, 100)) : wanted,
        ...(cursor ? { ExclusiveStartKey: cursor } : {}),
      }),
    );
    raws.push(...(page.Items ?? []));
    const last = page.LastEvaluatedKey ? StartKeySchema.safeParse(page.LastEvaluatedKey) : undefined;
    cursor = last?.success ? last.data : undefined;
    if (raws.length >= count || !cursor) break;
  }
  if (raws.length > count) {
    raws.length = count;
    cursor = startKeyOf(plan, raws[count - 1]);
  }
  return { raws, next: cursor };
}

export function auditLog(request: { principal: Principal; audit: AuditTrail }) {
  const { principal, audit } = request;
  const org = principal.org;

  async function page(
    plan: QueryPlan,
    count: number,
    cursor: string | undefined,
    binding: unknown,
  ): Promise<EventPage> {
    const start = cursor === undefined ? undefined : await decodeCursor(cursor, principal, binding);
    const { raws, next } = await queryPage(plan, count, start);
    return {
      events: raws.map(toEvent).filter((event): event is LoggedEvent => event !== undefined),
      next: next ? await encodeCursor(next, principal, binding) : undefined,
    };
  }

  const requireCompliance = () => {
    if (principal.role !== 'compliance')
      throw new ForbiddenError('only compliance staff read the access log');
  };

  return {
    /** Newest first; `binding` ties cursors to the caller and the criteria. */
    search(
      criteria: AuditCriteria,
      count: number,
      cursor: string | undefined,
      binding: unknown,
    ): Promise<EventPage> {
      requireCompliance();
      return page(planAuditQuery(org, criteria), count, cursor, binding);
    },

    /** One AuditEvent of the caller's organization by id: the id (a UUIDv7) names its item. */
    async read(id: string): Promise<LoggedEvent> {
      requireCompliance();
      audit.see(`AuditEvent/${id}`);
      const time = timeOfUuidv7(id);
      const notFound = () => new NotFoundError(`AuditEvent/${id} is not known`);
      if (!time) throw notFound();
      const recorded = time.toISOString();
      const { Item: raw } = await dynamo().send(
        new GetCommand({
          TableName: tableNames().audit,
          Key: { pk: eventPartition(hourOf(recorded)), sk: eventSortKey(recorded, id) },
        }),
      );
      const item = Item.safeParse(raw);
      if (!item.success || item.data.orgPk !== orgKey(org)) throw notFound();
      const event = toEvent(raw);
      if (!event) throw notFound();
      return event;
    },

    /** Who accessed a patient's record, for that patient alone; anyone else gets 404. */
    accessReport(
      patientId: string,
      count: number,
      cursor: string | undefined,
      binding: unknown,
    ): Promise<EventPage> {
      audit.concernsPatient(patientId);
      if (principal.role !== 'patient' || principal.patientId !== patientId) {
        throw new NotFoundError(`Patient/${patientId} is not known`);
      }
      const plan: QueryPlan = {
        index: 'byPatient',
        partitionKey: { name: 'patientPk', value: patientKey(org, patientId) },
        sortKey: {},
        filters: [],
      };
      return page(plan, count, cursor, binding);
    },
  };
}
