import { log } from '../../base/logger.ts';
import type { RouteDef } from '../../routes.ts';
import { type Event, lowerCaseHeaders, type Middleware, maybeStateOf, startState } from './state.ts';

/** First in, last out: request id, timing, the one log line per request. */
export const observe = (def: RouteDef): Middleware => ({
  before: (request) => {
    startState(request.event, {
      started: performance.now(),
      requestId: request.event.requestContext?.requestId ?? request.context.awsRequestId,
      headers: lowerCaseHeaders(request.event.headers),
    });
  },
  after: (request) => finish(def, request.event, request.response?.statusCode),
  onError: (request) => finish(def, request.event, request.response?.statusCode),
});

function finish(def: RouteDef, event: Event, status: number | undefined): void {
  const state = maybeStateOf(event);
  log().info('request', {
    requestId: state?.requestId,
    route: `${def.method} ${def.path}`,
    status,
    durationMs: state ? Math.round((performance.now() - state.started) * 10) / 10 : undefined,
    role: state?.audit?.principal.role,
  });
}
