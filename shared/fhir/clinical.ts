/**
 * The structures of the clinical types, as the store and the route contracts parse them.
 * INTERIM: a resourceType check only, until the validator generated from the official R4
 * definitions (shared/fhir/r4/) replaces it.
 */
import * as z from 'zod/mini';
import type { FhirResource } from '../store/hooks/clinical.ts';

export const resourceStructure = (resourceType: string): z.ZodMiniType<FhirResource> =>
  z.pipe(
    z.looseObject({ resourceType: z.literal(resourceType, `must be ${resourceType}`) }),
    z.transform((value) => value as FhirResource),
  );
