import { type AuthorizeSettings, authorizeRedirect } from '../auth/smart-authorize.ts';
import { SECURITY_HEADERS } from './headers.ts';
import { baseUrlOf, type Event, lowerCaseHeaders, type Result } from './middleware/state.ts';

/**
 * `GET /auth/authorize` in AWS as HTTP: the decision of shared/auth/smart-authorize.ts for the
 * base URL the request came to, answered as a redirect or a JSON error (RFC 6749 §5.2's shape).
 * Nothing of the request is logged: its query carries the state and the code challenge.
 */
export function answerAuthorize(event: Event, settings: Omit<AuthorizeSettings, 'fhirBase'>): Result {
  const fhirBase = baseUrlOf(event, lowerCaseHeaders(event.headers));
  const query = event.multiValueQueryStringParameters ?? {};
  const answer = authorizeRedirect(query, { ...settings, fhirBase });
  if (answer.kind === 'redirect') {
    return { statusCode: 302, headers: { ...SECURITY_HEADERS, Location: answer.location }, body: '' };
  }
  return {
    statusCode: 400,
    headers: { ...SECURITY_HEADERS, 'Content-Type': 'application/json' },
    body: JSON.stringify({ error: answer.error, error_description: answer.description }),
  };
}
