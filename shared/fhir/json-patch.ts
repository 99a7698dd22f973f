import * as z from 'zod/mini';

/** RFC 6902 JSON Patch, applied to a copy; the result is validated by the caller's schema. */
export const JsonPatch = z
  .array(
    z.union([
      z.strictObject({
        op: z.enum(['add', 'replace', 'test']),
        path: z.string().check(z.maxLength(512)),
        value: z.unknown(),
      }),
      z.strictObject({ op: z.literal('remove'), path: z.string().check(z.maxLength(512)) }),
      z.strictObject({
        op: z.enum(['move', 'copy']),
        from: z.string().check(z.maxLength(512)),
        path: z.string().check(z.maxLength(512)),
      }),
    ]),
  )
  .check(z.minLength(1), z.maxLength(100));

export type JsonPatch = z.infer<typeof JsonPatch>;

export class JsonPatchError extends Error {
  readonly location: string;
  constructor(message: string, location: string) {
    super(message);
    this.name = 'JsonPatchError';
    this.location = location;
  }
}

/**
 * Why a patch was stopped before it finished: the document it was building grew past what a
 * client could have sent as a whole (`bytes`), or past the structure budget (`nodes`, `depth`).
 */
export class JsonPatchLimitError extends Error {
  readonly limit: 'bytes' | 'nodes' | 'depth';
  readonly location: string;
  constructor(limit: 'bytes' | 'nodes' | 'depth', message: string, location: string) {
    super(message);
    this.name = 'JsonPatchLimitError';
    this.limit = limit;
    this.location = location;
  }
}

/** Bounds of the document a patch builds, checked after every operation. */
export interface JsonPatchLimits {
  /** Serialized size in bytes (UTF-8), the request body limit. */
  maxBytes: number;
  /** Values of any kind (objects, arrays, primitives) in the whole document. */
  maxNodes: number;
  /** Nesting of objects and arrays. */
  maxDepth: number;
}

/**
 * A Patient or Appointment has a few hundred values; 10,000 leaves room for long histories of
 * names, telecoms and extensions while keeping validation and encryption of one document cheap.
 * The depth is the request bodies' limit.
 */
export const DEFAULT_PATCH_LIMITS: Omit<JsonPatchLimits, 'maxBytes'> = { maxNodes: 10_000, maxDepth: 32 };

type Json = unknown;

/**
 * Walks the document counting its serialized bytes, values and depth, and stops at the first
 * bound crossed: the cost of a check is at most the budget, never the size of a runaway document.
 */
function checkBounds(root: Json, limits: JsonPatchLimits, location: string): void {
  let bytes = 0;
  let nodes = 0;
  const stack: { value: Json; depth: number }[] = [{ value: root, depth: 0 }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const { value, depth } = top;
    nodes += 1;
    if (nodes > limits.maxNodes) {
      throw new JsonPatchLimitError(
        'nodes',
        `the patched document would have more than ${limits.maxNodes} values`,
        location,
      );
    }
    if (typeof value === 'string') bytes += Buffer.byteLength(value, 'utf8') + 2;
    else if (value === null || typeof value !== 'object') bytes += String(value).length;
    else {
      if (depth >= limits.maxDepth) {
        throw new JsonPatchLimitError(
          'depth',
          `the patched document would be nested deeper than ${limits.maxDepth} levels`,
          location,
        );
      }
      bytes += 2;
      if (Array.isArray(value)) {
        bytes += Math.max(0, value.length - 1);
        for (const item of value) stack.push({ value: item, depth: depth + 1 });
      } else {
        const entries = Object.entries(value);
        bytes += Math.max(0, entries.length - 1);
        for (const [key, item] of entries) {
          bytes += Buffer.byteLength(key, 'utf8') + 3;
          stack.push({ value: item, depth: depth + 1 });
        }
      }
    }
    if (bytes > limits.maxBytes) {
      throw new JsonPatchLimitError(
        'bytes',
        `the patched document would be larger than ${limits.maxBytes} bytes`,
        location,
      );
    }
  }
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new JsonPatchError('a JSON pointer must start with "/"', path);
  return path
    .slice(1)
    .split('/')
    .map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function container(root: Json, tokens: string[], path: string): { parent: Json; key: string } {
  let current = root;
  for (const token of tokens.slice(0, -1)) {
    current = child(current, token, path);
  }
  const key = tokens.at(-1);
  if (key === undefined) throw new JsonPatchError('the document root cannot be patched', path);
  if (FORBIDDEN_KEYS.has(key)) throw new JsonPatchError('path not allowed', path);
  return { parent: current, key };
}

function child(value: Json, token: string, path: string): Json {
  if (FORBIDDEN_KEYS.has(token)) throw new JsonPatchError('path not allowed', path);
  if (Array.isArray(value)) {
    const index = arrayIndex(token, value.length - 1, path);
    return value[index];
  }
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, token)) {
    return Reflect.get(value, token);
  }
  throw new JsonPatchError('path does not exist', path);
}

function arrayIndex(token: string, max: number, path: string): number {
  if (!/^(0|[1-9][0-9]{0,5})$/.test(token)) throw new JsonPatchError('array index expected', path);
  const index = Number(token);
  if (index > max) throw new JsonPatchError('array index out of range', path);
  return index;
}

function get(root: Json, path: string): Json {
  let current = root;
  for (const token of pointer(path)) current = child(current, token, path);
  return current;
}

function add(root: Json, path: string, value: Json): void {
  const { parent, key } = container(root, pointer(path), path);
  if (Array.isArray(parent)) {
    if (key === '-') parent.push(value);
    else parent.splice(arrayIndex(key, parent.length, path), 0, value);
  } else if (parent !== null && typeof parent === 'object') {
    Reflect.set(parent, key, value);
  } else {
    throw new JsonPatchError('path does not exist', path);
  }
}

function remove(root: Json, path: string): Json {
  const { parent, key } = container(root, pointer(path), path);
  if (Array.isArray(parent)) {
    const [removed] = parent.splice(arrayIndex(key, parent.length - 1, path), 1);
    return removed;
  }
  if (parent !== null && typeof parent === 'object' && Object.hasOwn(parent, key)) {
    const removed: unknown = Reflect.get(parent, key);
    Reflect.deleteProperty(parent, key);
    return removed;
  }
  throw new JsonPatchError('path does not exist', path);
}

const equal = (a: Json, b: Json): boolean => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
const sorted = (value: Json): Json =>
  Array.isArray(value)
    ? value.map(sorted)
    : value !== null && typeof value === 'object'
      ? Object.fromEntries(
          Object.entries(value)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => [k, sorted(v)]),
        )
      : value;

/**
 * Applies the operations to a deep copy of `document`; throws JsonPatchError naming the path.
 * After every operation the document is held to `limits` (JsonPatchLimitError): each operation
 * can at most double it (`copy`), so nothing grows far past a bound before it is refused.
 */
export function applyJsonPatch(document: Json, operations: JsonPatch, limits?: JsonPatchLimits): Json {
  const root: Json = structuredClone(document);
  for (const operation of operations) {
    applyOperation(root, operation);
    if (limits) checkBounds(root, limits, operation.path);
  }
  return root;
}

function applyOperation(root: Json, operation: JsonPatch[number]): void {
  switch (operation.op) {
    case 'add':
      add(root, operation.path, structuredClone(operation.value));
      break;
    case 'remove':
      remove(root, operation.path);
      break;
    case 'replace':
      remove(root, operation.path);
      add(root, operation.path, structuredClone(operation.value));
      break;
    case 'move': {
      if (operation.path.startsWith(`${operation.from}/`)) {
        throw new JsonPatchError('cannot move a value into itself', operation.path);
      }
      add(root, operation.path, remove(root, operation.from));
      break;
    }
    case 'copy':
      add(root, operation.path, structuredClone(get(root, operation.from)));
      break;
    case 'test':
      if (!equal(get(root, operation.path), operation.value)) {
        throw new JsonPatchError('test operation failed', operation.path);
      }
      break;
  }
}
