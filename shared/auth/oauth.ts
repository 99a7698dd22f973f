/** OAuth 2.0 endpoint plumbing shared by the local authorization server and the AWS token function. */

/** An RFC 6749 §5.2 error: `{"error": "invalid_grant", "error_description": ...}` with its status. */
export class OAuthError extends Error {
  readonly error: string;
  readonly status: number;

  constructor(error: string, description: string, status = 400) {
    super(description);
    this.name = 'OAuthError';
    this.error = error;
    this.status = status;
  }
}

/** RFC 6749 §5.1: token answers are never cached. */
export const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' } as const;

/**
 * A form body (`application/x-www-form-urlencoded`), each parameter once (RFC 6749 §3.1: a
 * repeated parameter is an invalid request).
 */
export function formParameters(contentType: string | undefined, body: string): Map<string, string> {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  }
  return singleValued(new URLSearchParams(body));
}

export function singleValued(parameters: URLSearchParams): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of parameters) {
    if (values.has(name)) throw new OAuthError('invalid_request', `the parameter "${name}" is repeated`);
    values.set(name, value);
  }
  return values;
}

export function required(form: ReadonlyMap<string, string>, name: string): string {
  const value = form.get(name);
  if (value === undefined || value.length === 0) {
    throw new OAuthError('invalid_request', `the parameter "${name}" is required`);
  }
  return value;
}
