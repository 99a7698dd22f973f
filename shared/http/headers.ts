/**
 * The header lists that the CDK stack (CORS preflight, API Gateway's own error responses), the
 * functions' responses and the local gateway all send: written once so that they cannot drift.
 * No imports: the stack and every bundle read it.
 */

/** Request headers a browser on the portal origin may send. */
export const CORS_ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'If-Match',
  'Idempotency-Key',
  'If-None-Exist',
  'Prefer',
  'X-Break-Glass-Reason',
] as const;

/** Response headers the portal's scripts may read: versions, locations, paging, retries. */
export const CORS_EXPOSE_HEADERS = [
  'ETag',
  'Location',
  'Content-Location',
  'Last-Modified',
  'Retry-After',
  'X-Request-Id',
  'Link',
] as const;

/** On every answer, success or error, from a function or from API Gateway itself. */
export const SECURITY_HEADERS = {
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
  'Cache-Control': 'no-store',
  Pragma: 'no-cache',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
} as const;
