import type { APIGatewayProxyEvent } from 'aws-lambda';
import {
  BadRequestError,
  HttpError,
  PayloadTooLargeError,
  ResourceTooLargeError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
} from '../base/errors.ts';
import { config } from '../config.ts';

const MAX_DEPTH = 32;

const MEDIA_TYPES = {
  resource: ['application/fhir+json', 'application/json'],
  'json-patch': ['application/json-patch+json'],
} as const;

/** The body as JSON, after the size limit, the media type and the nesting limit. */
export function requestBody(
  event: APIGatewayProxyEvent,
  headers: Readonly<Record<string, string>>,
  bodyType: keyof typeof MEDIA_TYPES = 'resource',
  maxBodyBytes?: number,
): unknown {
  const raw = event.body;
  const limit = maxBodyBytes ?? config().MAX_BODY_BYTES;
  if (raw !== null && Buffer.byteLength(raw, event.isBase64Encoded ? 'base64' : 'utf8') > limit) {
    throw new PayloadTooLargeError(limit);
  }
  const accepted = MEDIA_TYPES[bodyType];
  const mediaType = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (!(accepted as readonly string[]).includes(mediaType)) throw new UnsupportedMediaTypeError(accepted);
  if (raw === null || raw.length === 0)
    throw new BadRequestError('a request body is required', { code: 'required' });
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadRequestError('the request body is not valid JSON', { code: 'structure' });
  }
  if (depthOf(parsed) > MAX_DEPTH) {
    throw new BadRequestError(`the request body is nested deeper than ${MAX_DEPTH} levels`, {
      code: 'structure',
    });
  }
  return parsed;
}

/** The media type of `POST /<type>/_search` bodies (FHIR search with the parameters in the body). */
export const FORM_MEDIA_TYPE = 'application/x-www-form-urlencoded';

/**
 * A search form is a query string moved into the body: it needs no more room than a URL
 * (API Gateway takes about 10 KB of query string), so it gets a tighter limit than resources.
 */
export const FORM_MAX_BYTES = 16 * 1024;

/**
 * The parameters of an `application/x-www-form-urlencoded` body, in order, repeated names
 * kept (`date=ge..&date=le..`). A malformed percent-escape is a 400, never a silent guess.
 */
export function formParameters(
  event: APIGatewayProxyEvent,
  headers: Readonly<Record<string, string>>,
): [string, string][] {
  const raw = event.body ?? '';
  if (Buffer.byteLength(raw, event.isBase64Encoded ? 'base64' : 'utf8') > FORM_MAX_BYTES) {
    throw new PayloadTooLargeError(FORM_MAX_BYTES);
  }
  const [mediaType, ...options] = (headers['content-type'] ?? '').split(';').map((part) => part.trim());
  const charset = options.find((option) => /^charset=/i.test(option))?.slice('charset='.length);
  if (mediaType?.toLowerCase() !== FORM_MEDIA_TYPE || (charset && !/^"?utf-8"?$/i.test(charset))) {
    throw new UnsupportedMediaTypeError([`${FORM_MEDIA_TYPE} (UTF-8)`]);
  }
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const decode = (part: string): string => {
    try {
      return decodeURIComponent(part.replaceAll('+', ' '));
    } catch {
      // The message names neither the parameter nor its value: either may be PHI.
      throw new BadRequestError('the form body has a malformed percent-escape', {
        code: 'structure',
        details: [
          {
            location: 'body',
            message: 'must be application/x-www-form-urlencoded with valid %XX escapes of UTF-8',
          },
        ],
      });
    }
  };
  return text
    .split('&')
    .filter((pair) => pair.length > 0)
    .map((pair): [string, string] => {
      const equals = pair.indexOf('=');
      return equals < 0
        ? [decode(pair), '']
        : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))];
    });
}

function depthOf(value: unknown, depth = 0): number {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return depth;
  let deepest = depth;
  for (const child of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(child, depth + 1));
    if (deepest > MAX_DEPTH) break;
  }
  return deepest;
}

const THROTTLED = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'KMSThrottlingException',
]);
const TRANSIENT = new Set([
  'TransactionConflictException',
  'TransactionInProgressException',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
  'RequestTimeout',
  'AbortError',
  'KeyServiceError',
  'KMSInternalException',
  'DependencyTimeoutException',
]);

const nameOf = (error: unknown): string => (error instanceof Error ? error.name : '');

/**
 * The single mapping from whatever was thrown to an HTTP answer. Store and crypto errors
 * are recognized by name so that this layer imports neither SDK.
 */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const name = nameOf(error);
  if (THROTTLED.has(name)) return new TooManyRequestsError(1, { cause: error });
  if (name === 'TransactionCanceledException' && error instanceof Error && 'CancellationReasons' in error) {
    const reasons = Array.isArray(error.CancellationReasons) ? error.CancellationReasons : [];
    const codes = reasons.map((reason: unknown) =>
      typeof reason === 'object' && reason !== null && 'Code' in reason ? String(reason.Code) : '',
    );
    if (codes.includes('ThrottlingError')) return new TooManyRequestsError(1, { cause: error });
    return new ServiceUnavailableError('a concurrent change interfered; retry the request', { cause: error });
  }
  // Should an item still reach DynamoDB over its 400 KB (the store checks before writing), the
  // write was refused whole: the client sent too much, the service did not fail.
  if (name === 'ValidationException' && error instanceof Error && /item size/i.test(error.message)) {
    return new ResourceTooLargeError('the resource is too large to store', { cause: error });
  }
  if (TRANSIENT.has(name)) return new ServiceUnavailableError(undefined, { cause: error });
  if (
    error instanceof Error &&
    'code' in error &&
    (error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET')
  ) {
    return new ServiceUnavailableError(undefined, { cause: error });
  }
  return new HttpError(500, 'exception', 'internal error', { cause: error });
}
