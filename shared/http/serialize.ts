import type { APIGatewayProxyResult } from 'aws-lambda';
import { HttpError } from '../base/errors.ts';
import { config } from '../config.ts';
import { CORS_EXPOSE_HEADERS, SECURITY_HEADERS } from './headers.ts';
import { operationOutcome } from './operation-outcome.ts';
import { FHIR_JSON, type FhirResponse } from './response.ts';

export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (!origin || !config().CORS_ORIGINS.includes(origin)) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Expose-Headers': CORS_EXPOSE_HEADERS.join(', '),
    Vary: 'Origin',
  };
}

/** A handler's FhirResponse or an HttpError -> the API Gateway proxy result. */
export function serialize(
  outcome: unknown,
  requestHeaders: Readonly<Record<string, string>>,
  requestId: string,
): APIGatewayProxyResult {
  const common = { ...SECURITY_HEADERS, ...corsHeaders(requestHeaders.origin), 'X-Request-Id': requestId };
  if (outcome instanceof HttpError) {
    // Below 500 the message was written for the client; above, nothing internal leaks.
    const message = outcome.status < 500 ? outcome.message : 'internal error';
    const details = outcome.status < 500 ? outcome.details : [];
    return {
      statusCode: outcome.status,
      headers: { ...common, ...outcome.headers, 'Content-Type': FHIR_JSON },
      body: JSON.stringify(
        operationOutcome(outcome.code, message, details, outcome.status >= 500 ? 'fatal' : 'error'),
      ),
    };
  }
  const response = toFhirResponse(outcome);
  const headers: Record<string, string> = { ...common, ...response.headers };
  if (response.body === undefined) return { statusCode: response.status, headers, body: '' };
  headers['Content-Type'] = response.contentType ?? FHIR_JSON;
  const body = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
  return { statusCode: response.status, headers, body };
}

function toFhirResponse(value: unknown): FhirResponse {
  if (typeof value === 'object' && value !== null && 'status' in value && typeof value.status === 'number') {
    const { status } = value;
    const body = 'body' in value ? value.body : undefined;
    const contentType =
      'contentType' in value && typeof value.contentType === 'string' ? value.contentType : undefined;
    const headers: Record<string, string> = {};
    if ('headers' in value && typeof value.headers === 'object' && value.headers !== null) {
      for (const [name, header] of Object.entries(value.headers)) {
        if (typeof header === 'string') headers[name] = header;
      }
    }
    return { status, body, ...(contentType ? { contentType } : {}), headers };
  }
  return { status: 500, body: undefined };
}
