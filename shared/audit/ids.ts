import { randomBytes } from 'node:crypto';

/**
 * AuditEvent ids are UUIDv7 (RFC 9562): the first 48 bits are the Unix time in
 * milliseconds of `recorded`. The id alone therefore names the event's hour partition
 * and sort key, so `GET /AuditEvent/{id}` is one GetItem, with no Scan, no extra index
 * and no lookup item in the append-only log.
 */
export function uuidv7(now: Date): string {
  const bytes = randomBytes(16);
  const ms = BigInt(now.getTime());
  for (let index = 0; index < 6; index += 1) {
    bytes[index] = Number((ms >> BigInt(8 * (5 - index))) & 0xffn);
  }
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x70;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The time a UUIDv7 carries, or undefined for anything else (such ids cannot be ours). */
export function timeOfUuidv7(id: string): Date | undefined {
  if (!UUID_V7.test(id)) return undefined;
  const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  const time = new Date(ms);
  return Number.isNaN(time.getTime()) ? undefined : time;
}
