import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level: the form an AuditEvent's hash is taken of. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([key, entry]) => [key, sortKeys(entry)]));
  }
  return value;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * A stored item in one typed, canonical form, whichever way it was read: from the table
 * through the document client (strings, numbers, Uint8Array, Set...) or from a stream
 * record (DynamoDB JSON, binary as base64 in Lambda events, as bytes from the SDK). Each
 * value keeps its DynamoDB type, so a string cannot pass for a number or a map.
 */
export type TypedValue =
  | { S: string }
  | { N: string }
  | { B: string }
  | { BOOL: boolean }
  | { NULL: true }
  | { SS: string[] }
  | { NS: string[] }
  | { BS: string[] }
  | { L: TypedValue[] }
  | { M: Record<string, TypedValue> };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
const number = (text: string | number): string => String(Number(text));

export function typedFromNative(value: unknown): TypedValue {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number' || typeof value === 'bigint') return { N: number(String(value)) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null || value === undefined) return { NULL: true };
  if (value instanceof Uint8Array) return { B: base64(value) };
  if (value instanceof Set) {
    const members = [...value];
    if (members.every((member) => typeof member === 'string')) return { SS: members.sort() };
    if (members.every((member) => member instanceof Uint8Array)) return { BS: members.map(base64).sort() };
    return { NS: members.map((member) => number(String(member))).sort() };
  }
  if (Array.isArray(value)) return { L: value.map(typedFromNative) };
  if (typeof value === 'object') {
    // lib-dynamodb's NumberValue (wrapNumbers) carries its text in `value`.
    if ('value' in value && value.constructor?.name === 'NumberValue')
      return { N: number(String(value.value)) };
    return {
      M: Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, typedFromNative(entry)])),
    };
  }
  return { S: String(value) };
}

/** An attribute value of a stream record (or of the low-level SDK) in the typed form. */
export function typedFromAttribute(value: unknown): TypedValue {
  const av: Record<string, unknown> = isRecord(value) ? value : {};
  const bytes = (entry: unknown): string =>
    typeof entry === 'string' ? entry : entry instanceof Uint8Array ? base64(entry) : '';
  if (typeof av.S === 'string') return { S: av.S };
  if (typeof av.N === 'string') return { N: number(av.N) };
  if (av.B !== undefined) return { B: bytes(av.B) };
  if (typeof av.BOOL === 'boolean') return { BOOL: av.BOOL };
  if (av.NULL === true) return { NULL: true };
  if (Array.isArray(av.SS)) return { SS: av.SS.map(String).sort() };
  if (Array.isArray(av.NS)) return { NS: av.NS.map((entry) => number(String(entry))).sort() };
  if (Array.isArray(av.BS)) return { BS: av.BS.map(bytes).sort() };
  if (Array.isArray(av.L)) return { L: av.L.map(typedFromAttribute) };
  if (av.M !== null && typeof av.M === 'object') {
    return {
      M: Object.fromEntries(Object.entries(av.M).map(([key, entry]) => [key, typedFromAttribute(entry)])),
    };
  }
  return { NULL: true };
}

/** The canonical text of a whole stored item (every attribute, keys included): what seals and archives hold. */
export const canonicalItem = (item: Record<string, unknown>): string =>
  canonicalJson(
    Object.fromEntries(Object.entries(item).map(([key, value]) => [key, typedFromNative(value)])),
  );

/** The same text from a stream record's image (DynamoDB JSON). */
export const canonicalImage = (image: Record<string, unknown>): string =>
  canonicalJson(
    Object.fromEntries(Object.entries(image).map(([key, value]) => [key, typedFromAttribute(value)])),
  );
