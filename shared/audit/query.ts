import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod/mini';
import type { Principal } from '../auth/principal.ts';
import { batchGetItems, dynamo, tableNames } from '../base/dynamo.ts';
import { NotFoundError } from '../base/errors.ts';
import { log } from '../base/logger.ts';
import { decodeCursor, encodeCursor, type StartKey } from '../crypto/cursor.ts';
import { DecryptError } from '../crypto/errors.ts';
import { auditReasonEnvelope } from '../crypto/runtime.ts';
import { timeOfUuidv7 } from './ids.ts';
import { eventPartition, eventSortKey, hourOf, orgKey, patientKey } from './keys.ts';
import { accessLogGrant } from './query-access.ts';
import { type AuditCriteria, indexPartitionKey, planAuditQuery, type QueryPlan } from './query-plan.ts';
import { parseStoredEvent, type StoredAuditEvent } from './resource.ts';
import { AUDIT_EXTENSION, type AuditTrail, reasonRef } from './trail.ts';

/**
 * The access log as the compliance functions read it: only the caller's organization,
 * only through keys and indexes (never a Scan), never a write. The request's own
 * AuditEvent is left by the middy stack.
 */

export interface LoggedEvent {
  /** The stored canonical JSON, exactly as hashed and sealed (a break-glass reason in it sealed). */
  text: string;
  /** The event; for compliance reads, with its break-glass reason opened into `purposeOfEvent.text`. */
  resource: StoredAuditEvent;
  /** True when `resource` differs from `text` because a reason was opened. */
  revealed?: boolean;
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
  // Absent on disclosure items, which name their organization in `patientPk` only.
  orgPk: z.optional(z.string()),
  event: z.string(),
  patientPk: z.optional(z.string()),
  agentPk: z.optional(z.string()),
  purposePk: z.optional(z.string()),
  /** On a disclosure item: the sort key of the AuditEvent it stands for, in the same partition. */
  disclosureOf: z.optional(z.string()),
});

/**
 * Disclosure items carry copies of the event's agent and purpose keys under other names (so
 * they stay out of byAgent and byPurpose): a filter on one matches either.
 */
const DISCLOSURE_COPY: Readonly<Record<string, string>> = { agentPk: 'agent', purposePk: 'purpose' };

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
    const copy = plan.index === 'byPatient' ? DISCLOSURE_COPY[condition.name] : undefined;
    if (copy === undefined) return `#f${index} = :f${index}`;
    names[`#g${index}`] = copy;
    return `(#f${index} = :f${index} OR #g${index} = :f${index})`;
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

/**
 * The page's items with each disclosure item replaced by the AuditEvent it stands for, read by
 * its key (BatchGetItem, same hour partition). A disclosure whose event is missing, belongs to
 * another organization or does not name the patient is skipped.
 */
async function resolveDisclosures(org: string, raws: readonly unknown[]): Promise<unknown[]> {
  const pointers = new Map<string, { pk: string; sk: string }>();
  for (const raw of raws) {
    const item = Item.safeParse(raw);
    if (item.success && item.data.disclosureOf !== undefined) {
      const key = { pk: item.data.pk, sk: item.data.disclosureOf };
      pointers.set(`${key.pk}|${key.sk}`, key);
    }
  }
  if (pointers.size === 0) return [...raws];
  const events = new Map<string, unknown>();
  // Eventually consistent, as the index query that found the disclosure items.
  for (const found of await batchGetItems(tableNames().audit, [...pointers.values()], {
    consistent: false,
  })) {
    events.set(`${String(found.pk)}|${String(found.sk)}`, found);
  }
  return raws.flatMap((raw) => {
    const item = Item.safeParse(raw);
    if (!item.success || item.data.disclosureOf === undefined) return [raw];
    const event = events.get(`${item.data.pk}|${item.data.disclosureOf}`);
    const parsed = Item.safeParse(event);
    const patientId = item.data.patientPk?.slice(org.length + 1);
    const resource = parsed.success ? parseStoredEvent(parsed.data.event) : undefined;
    const names = resource?.entity?.some((entity) => entity.what?.reference === `Patient/${patientId}`);
    if (!parsed.success || parsed.data.orgPk !== orgKey(org) || !names) {
      log().warn('disclosure without its event skipped', { sk: item.data.sk });
      return [];
    }
    return [event];
  });
}

/**
 * Opens the break-glass reason sealed in an event (compliance reads only: their functions hold
 * the audit-reason Decrypt grant). A reason that does not open at its event (copied from
 * another, or damaged) is left sealed and logged by key; the verifier reports the change.
 */
async function revealReason(org: string, event: LoggedEvent): Promise<LoggedEvent> {
  const purposes = event.resource.purposeOfEvent;
  const isSealed = (extension: { url: string }) => extension.url === AUDIT_EXTENSION.encryptedText;
  if (!purposes?.some((purpose) => purpose.extension?.some(isSealed))) return event;
  try {
    const opened = await Promise.all(
      purposes.map(async ({ extension, ...purpose }) => {
        const sealed = extension?.find(isSealed)?.valueBase64Binary;
        if (sealed === undefined) return { ...purpose, ...(extension ? { extension } : {}) };
        const reason = await auditReasonEnvelope().open(
          reasonRef(org, event.resource.id),
          Buffer.from(sealed, 'base64'),
        );
        const others = (extension ?? []).filter((one) => !isSealed(one));
        return {
          ...purpose,
          ...(typeof reason === 'string' ? { text: reason } : {}),
          ...(others.length > 0 ? { extension: others } : {}),
        };
      }),
    );
    return { ...event, resource: { ...event.resource, purposeOfEvent: opened }, revealed: true };
  } catch (error) {
    if (!(error instanceof DecryptError)) throw error;
    log().warn('break-glass reason does not open at its event', { id: event.resource.id });
    return event;
  }
}

/** What the access-log functions need of the request. */
export interface AccessLogRequest {
  principal: Principal;
  audit: AuditTrail;
}

async function page(
  principal: Principal,
  org: string,
  plan: QueryPlan,
  count: number,
  cursor: string | undefined,
  binding: unknown,
  reveal: boolean,
): Promise<EventPage> {
  const start = cursor === undefined ? undefined : await decodeCursor(cursor, principal, binding);
  const { raws, next } = await queryPage(plan, count, start);
  const resolved = plan.index === 'byPatient' ? await resolveDisclosures(org, raws) : raws;
  const events = resolved.map(toEvent).filter((event): event is LoggedEvent => event !== undefined);
  return {
    events: reveal ? await Promise.all(events.map((event) => revealReason(org, event))) : events,
    next: next ? await encodeCursor(next, principal, binding) : undefined,
  };
}

/** Newest first; `binding` ties cursors to the caller and the criteria. */
export function searchAuditEvents(
  { principal }: AccessLogRequest,
  criteria: AuditCriteria,
  count: number,
  cursor: string | undefined,
  binding: unknown,
): Promise<EventPage> {
  const { org, revealReasons } = accessLogGrant(principal, { interaction: 'search' });
  return page(principal, org, planAuditQuery(org, criteria), count, cursor, binding, revealReasons);
}

/** One AuditEvent of the caller's organization by id: the id (a UUIDv7) names its item. */
export async function readAuditEvent(
  { principal, audit }: AccessLogRequest,
  id: string,
): Promise<LoggedEvent> {
  const { org, revealReasons } = accessLogGrant(principal, { interaction: 'read' });
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
  return revealReasons ? revealReason(org, event) : event;
}

/** Who accessed a patient's record, for that patient alone; anyone else gets 404. */
export function patientAccessReport(
  { principal, audit }: AccessLogRequest,
  patientId: string,
  count: number,
  cursor: string | undefined,
  binding: unknown,
): Promise<EventPage> {
  audit.concernsPatient(patientId);
  const grant = accessLogGrant(principal, { interaction: 'access-report', patientId });
  const plan: QueryPlan = {
    index: 'byPatient',
    partitionKey: { name: 'patientPk', value: patientKey(grant.org, grant.patientId ?? patientId) },
    sortKey: {},
    filters: [],
  };
  // The patient's report shows the coded purpose, not the reason (the grant does not reveal it).
  return page(principal, grant.org, plan, count, cursor, binding, grant.revealReasons);
}
