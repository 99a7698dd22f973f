/**
 * DynamoDB request units from item sizes, as the on-demand price list counts them:
 * a write is 1 WRU per started KB of the item, a read 1 RRU per started 4 KB when strongly
 * consistent (0.5 eventually consistent); transactions count double.
 * Item sizes follow DynamoDB's documented rules (attribute names count; numbers about one
 * byte per two significant digits plus one); they are close, not byte-exact.
 */

export function attributeSize(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number' || typeof value === 'bigint') {
    const digits = String(value)
      .replace(/^-/, '')
      .replace(/e.*$/, '')
      .replace('.', '')
      .replace(/^0+/, '')
      .replace(/0+$/, '');
    return 1 + Math.ceil(Math.max(1, digits.length) / 2);
  }
  if (typeof value === 'boolean' || value === null) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (value instanceof Set) {
    let size = 0;
    for (const member of value) size += attributeSize(member);
    return size;
  }
  if (Array.isArray(value))
    return 3 + value.reduce((sum: number, member) => sum + 1 + attributeSize(member), 0);
  if (typeof value === 'object') {
    let size = 3;
    for (const [name, member] of Object.entries(value)) {
      if (member !== undefined) size += Buffer.byteLength(name, 'utf8') + 1 + attributeSize(member);
    }
    return size;
  }
  return 0;
}

export function itemSize(item: Record<string, unknown>): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += Buffer.byteLength(name, 'utf8') + attributeSize(value);
  }
  return size;
}

export const writeUnits = (bytes: number): number => Math.max(1, Math.ceil(bytes / 1024));
export const readUnits = (bytes: number, consistent: boolean): number =>
  Math.max(1, Math.ceil(bytes / 4096)) * (consistent ? 1 : 0.5);

export interface Units {
  rru: number;
  wru: number;
}
