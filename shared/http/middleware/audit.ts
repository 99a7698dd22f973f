import { appendAuditEvent } from '../../audit/log.ts';
import { claimsRefusalRecord } from '../../audit/trail.ts';
import { ClaimsRefusedError } from '../../auth/errors.ts';
import { ServiceUnavailableError } from '../../base/errors.ts';
import { log } from '../../base/logger.ts';
import type { RouteDef } from '../../routes.ts';
import { toHttpError } from '../request.ts';
import { isFhirResponse } from '../response.ts';
import { factsOf, type Middleware, maybeStateOf, stateOf } from './state.ts';

/**
 * Exactly one AuditEvent per authenticated request: writes commit theirs in their own
 * transaction; everything else gets it here. A read whose AuditEvent cannot be written
 * fails with 503 and returns no data.
 */
export const audit = (def: RouteDef): Middleware => ({
  after: async (request) => {
    const trail = stateOf(request.event).audit;
    if (!trail || trail.committed || !def.audit) return;
    const status = isFhirResponse(request.response) ? request.response.status : 200;
    try {
      await appendAuditEvent(await trail.build(status));
      trail.committed = true;
    } catch (cause) {
      throw new ServiceUnavailableError('the access could not be recorded; no data was returned', { cause });
    }
  },
  onError: async (request) => {
    const state = maybeStateOf(request.event);
    if (!state || !def.audit || state.audit?.committed) return;
    const error = toHttpError(request.error);
    const trail = state.audit;
    // A signed token refused for its claims has no principal: its refusal is recorded too.
    const record = trail
      ? await trail.build(error.status, error.status < 500 ? error.message : undefined)
      : request.error instanceof ClaimsRefusedError
        ? await claimsRefusalRecord(
            def,
            request.error.claims,
            factsOf(request.event, state),
            error.status,
            error.message,
          )
        : undefined;
    if (!record) return;
    try {
      await appendAuditEvent(record);
      if (trail) trail.committed = true;
    } catch (cause) {
      log().error('audit write failed', {
        requestId: state.requestId,
        errorName: cause instanceof Error ? cause.name : typeof cause,
      });
    }
  },
});
