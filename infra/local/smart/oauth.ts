/** The plumbing of the local OAuth endpoints: their requests and answers (errors and forms are shared/auth/oauth.ts's). */

import { formParameters, NO_STORE, OAuthError } from '../../../shared/auth/oauth.ts';

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

export { required, singleValued } from '../../../shared/auth/oauth.ts';
export { OAuthError };

export const json = (status: number, body: unknown): AuthorizationAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json', ...NO_STORE },
  body: JSON.stringify(body),
});

export const errorAnswer = (error: OAuthError): AuthorizationAnswer =>
  json(error.status, { error: error.error, error_description: error.message });

/** A form body, each parameter once. */
export const formOf = (request: AuthorizationRequest): Map<string, string> =>
  formParameters(request.headers['content-type'], request.body);

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
