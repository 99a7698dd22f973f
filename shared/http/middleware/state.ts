import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { AuditTrail, RequestFacts } from '../../audit/trail.ts';

export type Event = APIGatewayProxyEvent;
export type Result = APIGatewayProxyResult;
export type Middleware = MiddlewareObj<Event, Result>;

/** What the middlewares of one request share: set by `observe`, the trail by `authenticate`. */
export interface State {
  started: number;
  requestId: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  audit?: AuditTrail;
}

const states = new WeakMap<Event, State>();

export const startState = (event: Event, state: State): void => {
  states.set(event, state);
};

/** The state of a request that `observe` has seen; `onError` hooks use `states.get` instead. */
export const stateOf = (event: Event): State => {
  const state = states.get(event);
  if (!state) throw new Error('request state missing');
  return state;
};

export const maybeStateOf = (event: Event): State | undefined => states.get(event);

export const lowerCaseHeaders = (headers: Event['headers']): Record<string, string> => {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (typeof value === 'string') result[name.toLowerCase()] = value;
  }
  return result;
};

/** Absolute base URL of the API as the client called it, for Location, fullUrl and links. */
export function baseUrlOf(event: Event, headers: Readonly<Record<string, string>>): string {
  const proto = headers['x-forwarded-proto'] ?? 'https';
  const host = event.requestContext.domainName ?? headers.host ?? 'localhost';
  // requestContext.path carries the stage or base path prefix that event.path lacks.
  const fullPath = event.requestContext.path ?? event.path;
  const prefix = fullPath.endsWith(event.path) ? fullPath.slice(0, fullPath.length - event.path.length) : '';
  return `${proto}://${host}${prefix}`;
}

export const factsOf = (event: Event, state: State): RequestFacts => ({
  requestId: state.requestId,
  sourceIp: event.requestContext?.identity?.sourceIp ?? 'unknown',
  userAgent: (state.headers['user-agent'] ?? 'unknown').slice(0, 256),
});
