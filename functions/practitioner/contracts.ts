/**
 * What the Practitioner routes accept, apart from their handlers: the handlers use these, and
 * the OpenAPI document is generated from them without bundling any handler's dependencies.
 */
import * as z from 'zod/mini';
import { Practitioner } from '../../shared/fhir/practitioner.ts';
import { instant } from '../../shared/fhir/primitives.ts';
import { contractsFor } from '../../shared/http/contract.ts';
import { count, cursor, IdParams, searchValue } from '../../shared/http/params.ts';

const PractitionerQuery = z.strictObject({ name: searchValue(), _count: count, _cursor: cursor });

export const contracts = contractsFor({
  createPractitioner: { body: Practitioner, resourceType: 'Practitioner', idempotencyKey: true },
  searchPractitioners: { query: PractitionerQuery },
  // POST /<type>/_search: the same parameters, form-encoded in the body.
  searchPractitionersPost: { query: PractitionerQuery },
  readPractitioner: { params: IdParams },
  practitionerAvailability: { params: IdParams, query: z.strictObject({ start: instant, end: instant }) },
});
