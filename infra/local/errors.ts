/** Errors of the local stand-ins for AWS (the issuer and gateway under `npm start`). */

/**
 * A bearer token with a valid signature whose `exp` has passed. Told apart from every other
 * refusal so the caller learns to fetch a new token (as API Gateway's "The incoming token has
 * expired"); forged or malformed tokens keep the generic answer.
 */
export class TokenExpiredError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('token expired', options);
    this.name = 'TokenExpiredError';
  }
}

/** An access token revoked at the local authorization server (RFC 7009): refused like a forged one. */
export class TokenRevokedError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('token revoked', options);
    this.name = 'TokenRevokedError';
  }
}
