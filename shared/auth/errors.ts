import { ForbiddenError } from '../base/errors.ts';

/**
 * What a refused token claimed, as far as each claim is well-formed: enough to file the
 * refusal's AuditEvent under the organization and user it names (ids and role names only).
 */
export interface RefusedClaims {
  sub: string | undefined;
  org: string | undefined;
  /** The known roles among the token's groups (none, or more than one, is why it is refused). */
  roles: string[];
  patientId: string | undefined;
  practitionerId: string | undefined;
}

/** A validly signed token whose claims the API cannot serve: 403, and an AuditEvent of the refusal. */
export class ClaimsRefusedError extends ForbiddenError {
  readonly claims: RefusedClaims;

  constructor(message: string, claims: RefusedClaims, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClaimsRefusedError';
    this.claims = claims;
  }
}
