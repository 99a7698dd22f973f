/**
 * Errors the HTTP layer knows how to answer. Each carries its status and the FHIR
 * OperationOutcome issue code; messages of statuses below 500 reach the client, so they
 * must never contain PHI, tokens or keys. Statuses of 500 and above answer a fixed text.
 */

export type IssueCode =
  | 'invalid'
  | 'structure'
  | 'required'
  | 'value'
  | 'too-long'
  | 'security'
  | 'login'
  | 'forbidden'
  | 'not-found'
  | 'deleted'
  | 'not-supported'
  | 'conflict'
  | 'duplicate'
  | 'business-rule'
  | 'processing'
  | 'throttled'
  | 'transient'
  | 'exception'
  | 'timeout'
  | 'too-costly';

export interface IssueDetail {
  /** FHIRPath-like location, such as `Patient.birthDate`. */
  location?: string;
  message: string;
}

export class HttpError extends Error {
  readonly status: number;
  readonly code: IssueCode;
  readonly details: readonly IssueDetail[];
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: IssueCode,
    message: string,
    options?: { cause?: unknown; details?: readonly IssueDetail[]; headers?: Record<string, string> },
  ) {
    super(message, { cause: options?.cause });
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = options?.details ?? [];
    this.headers = options?.headers ?? {};
  }
}

type Options = { cause?: unknown; details?: readonly IssueDetail[]; headers?: Record<string, string> };

export class BadRequestError extends HttpError {
  constructor(message: string, options?: Options & { code?: IssueCode }) {
    super(400, options?.code ?? 'invalid', message, options);
    this.name = 'BadRequestError';
  }
}

export class UnauthorizedError extends HttpError {
  constructor(message = 'authentication required', options?: Options) {
    super(401, 'login', message, {
      ...options,
      headers: { 'WWW-Authenticate': 'Bearer', ...options?.headers },
    });
    this.name = 'UnauthorizedError';
  }
}

export class ForbiddenError extends HttpError {
  constructor(message = 'not allowed', options?: Options) {
    super(403, 'forbidden', message, options);
    this.name = 'ForbiddenError';
  }
}

export class NotFoundError extends HttpError {
  constructor(message = 'not found', options?: Options) {
    super(404, 'not-found', message, options);
    this.name = 'NotFoundError';
  }
}

export class MethodNotAllowedError extends HttpError {
  constructor(allowed: readonly string[], options?: Options) {
    super(405, 'not-supported', 'method not allowed on this path', {
      ...options,
      headers: { Allow: allowed.join(', '), ...options?.headers },
    });
    this.name = 'MethodNotAllowedError';
  }
}

export class ConflictError extends HttpError {
  constructor(message: string, options?: Options & { code?: IssueCode }) {
    super(409, options?.code ?? 'conflict', message, options);
    this.name = 'ConflictError';
  }
}

export class GoneError extends HttpError {
  constructor(message = 'the resource has been deleted', options?: Options) {
    super(410, 'deleted', message, options);
    this.name = 'GoneError';
  }
}

export class PreconditionFailedError extends HttpError {
  constructor(message: string, options?: Options) {
    super(412, 'conflict', message, options);
    this.name = 'PreconditionFailedError';
  }
}

export class PayloadTooLargeError extends HttpError {
  constructor(limit: number, options?: Options) {
    super(413, 'too-long', `request body larger than ${limit} bytes`, options);
    this.name = 'PayloadTooLargeError';
  }
}

/** What would be stored is too large, though the request itself was within the body limit. */
export class ResourceTooLargeError extends HttpError {
  constructor(message: string, options?: Options) {
    super(413, 'too-long', message, options);
    this.name = 'ResourceTooLargeError';
  }
}

export class UnsupportedMediaTypeError extends HttpError {
  constructor(accepted: readonly string[], options?: Options) {
    super(415, 'not-supported', `Content-Type must be one of: ${accepted.join(', ')}`, options);
    this.name = 'UnsupportedMediaTypeError';
  }
}

export class UnprocessableError extends HttpError {
  constructor(message: string, options?: Options & { code?: IssueCode }) {
    super(422, options?.code ?? 'business-rule', message, options);
    this.name = 'UnprocessableError';
  }
}

export class PreconditionRequiredError extends HttpError {
  constructor(message: string, options?: Options) {
    super(428, 'required', message, options);
    this.name = 'PreconditionRequiredError';
  }
}

export class TooManyRequestsError extends HttpError {
  constructor(retryAfterSeconds: number, options?: Options) {
    super(429, 'throttled', 'too many requests, retry later', {
      ...options,
      headers: { 'Retry-After': String(retryAfterSeconds), ...options?.headers },
    });
    this.name = 'TooManyRequestsError';
  }
}

export class ServiceUnavailableError extends HttpError {
  constructor(
    message = 'service temporarily unavailable',
    options?: Options & { retryAfterSeconds?: number },
  ) {
    super(503, 'transient', message, {
      ...options,
      headers: { 'Retry-After': String(options?.retryAfterSeconds ?? 1), ...options?.headers },
    });
    this.name = 'ServiceUnavailableError';
  }
}
