import middy from '@middy/core';
import type { RouteDef } from '../routes.ts';
import { negotiate } from './middleware/negotiate.ts';
import { observe } from './middleware/observe.ts';
import { respond } from './middleware/respond.ts';
import { baseUrlOf, type Event, type Result, stateOf } from './middleware/state.ts';
import type { FhirResponse } from './response.ts';

/**
 * Beside route.ts, not in it: a public route's bundle then carries none of the audit, token
 * and store code an authenticated route's middleware imports (the DynamoDB, KMS and
 * Encryption SDK clients).
 */
/** Public routes (conformance, health): no principal, no audit, same responses. */
export function publicRoute(def: RouteDef, handle: (request: { baseUrl: string }) => Promise<FhirResponse>) {
  return middy<Event, Result>()
    .use(observe(def))
    .use(respond())
    .use(negotiate())
    .handler(async (event: Event) => {
      const state = stateOf(event);
      const response: unknown = await handle({ baseUrl: baseUrlOf(event, state.headers) });
      return response as Result;
    });
}
