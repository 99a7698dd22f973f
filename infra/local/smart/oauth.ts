/** The plumbing of OAuth endpoints: their errors (RFC 6749 §5.2), forms and answers. */

export interface AuthorizationRequest {
  method: string;
  url: URL;
  /** Lower-case names, one value each (as the gateway reads them). */
  headers: Readonly<Record<string, string>>;
  body: string;
}

export interface AuthorizationAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** An RFC 6749 error: `{"error": "invalid_grant", "error_description": ...}` with its status. */
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
const NO_STORE = { 'Cache-Control': 'no-store', Pragma: 'no-cache' };

export const json = (status: number, body: unknown): AuthorizationAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json', ...NO_STORE },
  body: JSON.stringify(body),
});

export const errorAnswer = (error: OAuthError): AuthorizationAnswer =>
  json(error.status, { error: error.error, error_description: error.message });

/**
 * A form body (`application/x-www-form-urlencoded`), each parameter once (RFC 6749 §3.1: a
 * repeated parameter is an invalid request).
 */
export function formOf(request: AuthorizationRequest): Map<string, string> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new OAuthError('invalid_request', 'send the parameters as application/x-www-form-urlencoded');
  }
  return singleValued(new URLSearchParams(request.body));
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

/**
 * The FHIR base URL as the client called the gateway: what the API puts in its own links, the
 * `aud` a client must ask for, and the issuer of the tokens it gets.
 */
export function baseUrlOf(request: AuthorizationRequest): string {
  const host = request.headers.host ?? '';
  if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/.test(host)) {
    throw new OAuthError('invalid_request', 'the request has no usable Host header');
  }
  return `http://${host}`;
}
