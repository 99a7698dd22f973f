import { join } from 'node:path';
import { inject } from 'vitest';
import { mintToken, type TokenRequest } from '../../infra/local/issuer.ts';

export const baseUrl = (): string => inject('baseUrl');
export const dataDir = (): string => inject('dataDir');

export const token = (request: TokenRequest): Promise<string> => mintToken(join(dataDir(), 'keys'), request);

export interface ApiResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON body, or undefined when the body is empty or not JSON. */
  json: unknown;
  text: string;
}

export interface CallOptions {
  method?: string;
  token?: string;
  body?: unknown;
  /** Sent as is, for malformed-body tests. */
  rawBody?: string;
  headers?: Record<string, string>;
  base?: string;
}

/** One real HTTP request to the local gateway. */
export async function api(path: string, options: CallOptions = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/fhir+json';
  }
  const response = await fetch(`${options.base ?? baseUrl()}${path}`, {
    method: options.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    ...(body !== undefined ? { body } : {}),
  });
  return answerOf(response);
}

/** A response read whole: status, headers, text and the JSON it holds (undefined if none). */
export async function answerOf(response: Response): Promise<ApiResponse> {
  const text = await response.text();
  let json: unknown;
  try {
    json = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, json, text };
}

/** Narrow an unknown JSON body for assertions. */
export function field(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = Reflect.get(current, key);
  }
  return current;
}
