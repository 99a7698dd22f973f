import { HttpError } from '../../base/errors.ts';
import { formatOf } from '../query.ts';
import type { Middleware } from './state.ts';

/** `_format` values that ask for XML (a `+` in a query string arrives as a space). */
const XML_FORMATS = new Set(['xml', 'text/xml', 'application/xml', 'application/fhir+xml']);

/** FHIR `_format`: JSON is served; a request for XML is refused rather than answered in JSON. */
export const negotiate = (): Middleware => ({
  before: (request) => {
    const format = formatOf(request.event)?.split(';')[0]?.trim().toLowerCase().replaceAll(' ', '+');
    if (format !== undefined && XML_FORMATS.has(format)) {
      throw new HttpError(
        406,
        'not-supported',
        'XML is not served; use _format=json or application/fhir+json',
        {
          details: [{ location: 'query._format', message: 'must be json or application/fhir+json' }],
        },
      );
    }
  },
});
