import * as z from 'zod/mini';
import { log } from '../base/logger.ts';
import { config } from '../config.ts';
import { canonicalImage, canonicalJson, typedFromAttribute } from '../crypto/canonical.ts';
import { type ArchiveWriter, changeName, itemName } from './archive.ts';
import { addHours, DIGEST_PARTITION, hourStartMs } from './digest.ts';

/**
 * The access log's stream consumer (the Lambda function in AWS, the local gateway's poller
 * of DynamoDB Local's stream): for every change of the table, in order,
 * - archives every new item (events, digests, their pages, anything written) write-once;
 * - on a MODIFY, and on a REMOVE before the item's retention has ended, logs the tampering
 *   line that the `AccessLogTampering` metric counts and alarms on, and archives the
 *   change with both images as evidence.
 * A REMOVE is judged by the hour the item's key names, not by its `expiresAt`: a writer
 * who sets `expiresAt` in the past has TTL delete the item early, and that is tampering.
 * Records arrive at least once: archiving is idempotent (create-if-absent).
 */

/** The exact message of the tampering line: infra/monitoring.ts counts it into a metric. */
export const AUDIT_TAMPER_MESSAGE = 'access log item changed or removed';

const Attributes = z.record(z.string(), z.unknown());
export const StreamRecord = z.object({
  eventName: z.enum(['INSERT', 'MODIFY', 'REMOVE']),
  dynamodb: z.object({
    Keys: Attributes,
    NewImage: z.optional(Attributes),
    OldImage: z.optional(Attributes),
    SequenceNumber: z.string().check(z.regex(/^\d{1,40}$/)),
  }),
  userIdentity: z.optional(z.object({ type: z.string(), principalId: z.string() })),
});
export type StreamRecord = z.infer<typeof StreamRecord>;

const stringKey = (keys: Record<string, unknown>, name: string): string => {
  const typed = typedFromAttribute(keys[name]);
  return 'S' in typed ? typed.S : '';
};

/** The hour an item belongs to, from its key: events and pages by partition, digests by sort key. */
export function hourOfKey(pk: string, sk: string): string | undefined {
  const hour = /^(?:AE#|DIGEST#)(\d{4}-\d{2}-\d{2}T\d{2})/.exec(pk)?.[1];
  if (hour) return hour;
  if (pk === DIGEST_PARTITION && /^\d{4}-\d{2}-\d{2}T\d{2}$/.test(sk)) return sk;
  return undefined;
}

/** Whether removing the item at `now` is expiry after the retention period (and nothing else). */
export function retentionEnded(pk: string, sk: string, now: Date): boolean {
  const hour = hourOfKey(pk, sk);
  if (!hour) return false;
  const end = hourStartMs(addHours(hour, 1)) + config().AUDIT_RETENTION_DAYS * 24 * 60 * 60 * 1000;
  return now.getTime() >= end;
}

export interface ConsumeReport {
  archived: number;
  tampering: number;
}

export async function consumeRecords(
  records: readonly unknown[],
  options: { archive: ArchiveWriter; now?: Date },
): Promise<ConsumeReport> {
  const report: ConsumeReport = { archived: 0, tampering: 0 };
  for (const raw of records) {
    const parsed = StreamRecord.safeParse(raw);
    if (!parsed.success) {
      // Not a record this consumer understands: say so loudly rather than skip it quietly.
      log().error(AUDIT_TAMPER_MESSAGE, { change: 'UNREADABLE' });
      report.tampering += 1;
      continue;
    }
    const { eventName, dynamodb } = parsed.data;
    const pk = stringKey(dynamodb.Keys, 'pk');
    const sk = stringKey(dynamodb.Keys, 'sk');
    const now = options.now ?? new Date();
    // The first image of an item is what the archive keeps: the new one of an INSERT, the
    // old one of a change whose INSERT it has not seen (it then keeps the earliest it can).
    const first = eventName === 'INSERT' ? dynamodb.NewImage : dynamodb.OldImage;
    if (first && (await options.archive.create(itemName(pk, sk), canonicalImage(first))) === 'created') {
      report.archived += 1;
    }
    if (eventName === 'INSERT') continue;
    if (eventName === 'REMOVE' && retentionEnded(pk, sk, now)) continue;
    const image = (value: Record<string, unknown> | undefined) =>
      value
        ? Object.fromEntries(Object.entries(value).map(([name, entry]) => [name, typedFromAttribute(entry)]))
        : null;
    await options.archive.create(
      changeName(pk, sk, dynamodb.SequenceNumber, eventName),
      canonicalJson({ change: eventName, old: image(dynamodb.OldImage), new: image(dynamodb.NewImage) }),
    );
    report.tampering += 1;
    log().error(AUDIT_TAMPER_MESSAGE, {
      change: eventName,
      pk,
      sk,
      byService: parsed.data.userIdentity?.type === 'Service',
    });
  }
  return report;
}
