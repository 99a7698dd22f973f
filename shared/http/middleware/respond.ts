import { log } from '../../base/logger.ts';
import { toHttpError } from '../request.ts';
import { serialize } from '../serialize.ts';
import { type Middleware, maybeStateOf, stateOf } from './state.ts';

/** Serializes results and errors alike: OperationOutcome, security headers, CORS, request id. */
export const respond = (): Middleware => ({
  after: (request) => {
    const state = stateOf(request.event);
    request.response = serialize(request.response, state.headers, state.requestId);
  },
  onError: (request) => {
    const state = maybeStateOf(request.event);
    const error = toHttpError(request.error);
    if (error.status >= 500) {
      log().error('request failed', {
        requestId: state?.requestId,
        errorName: request.error instanceof Error ? request.error.name : typeof request.error,
        status: error.status,
      });
    }
    request.response = serialize(
      error,
      state?.headers ?? {},
      state?.requestId ?? request.context.awsRequestId,
    );
  },
});
