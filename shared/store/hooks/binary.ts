/**
 * Binary on the engine: the item holds the resource without its `data` (contentType,
 * securityContext, meta); the body is sealed by the records' envelope for its exact version
 * (tenant, Binary, id, versionId) and kept in the Binary store, written before the item's
 * transaction. A failed transaction leaves a sealed body that nothing references, never an item
 * without a body.
 */
import { BadRequestError } from '../../base/errors.ts';
import { binaryEnvelope } from '../../crypto/runtime.ts';
import { BinaryStructure } from '../../fhir/r4/binary.generated.ts';
import { structureSchema } from '../../fhir/structure.ts';
import { binaryDefinition } from '../../resources/binary.ts';
import { binaryObjectName, binaryStore } from '../binaries.ts';
import { type Stored, StoredDataError } from '../resources.ts';
import { type ClinicalResourceType, clinicalType, type FhirResource } from './clinical.ts';
import { clinicalWrites } from './clinical-writes.ts';
import type { WriteHooks } from './types.ts';

export const binaryType: ClinicalResourceType = clinicalType(
  binaryDefinition,
  structureSchema<FhirResource>(BinaryStructure),
);

/**
 * The writes of one Binary whose body is `data` (base64, as the resource carried it; its form
 * is R4's base64Binary, checked by the structure). R4 makes `data` optional; a Binary stored
 * here is an attachment, so it is required.
 */
export function binaryWrites(data: unknown): WriteHooks<FhirResource> {
  const clinical = clinicalWrites(binaryType);
  if (typeof data !== 'string' || data.length === 0) {
    throw new BadRequestError('Binary.data is required: the attachment, base64-encoded', {
      code: 'required',
      details: [{ location: 'Binary.data', message: 'is required' }],
    });
  }
  return {
    ...clinical,
    beforeCreate: async (request, resource) => {
      const checked = clinical.beforeCreate ? await clinical.beforeCreate(request, resource) : resource;
      const { data: _body, ...withoutBody } = checked;
      return withoutBody as FhirResource;
    },
    versionPlan: async (request, version, current) => {
      const org = request.principal.org;
      const ref = { tenant: org, resourceType: 'Binary', id: version.id, versionId: version.versionId };
      const sealed = await binaryEnvelope().seal(ref, data);
      await binaryStore().put(binaryObjectName(org, version.id, version.versionId), sealed);
      return clinical.versionPlan ? clinical.versionPlan(request, version, current) : {};
    },
  };
}

/** The stored Binary with its body, opened for the version it was sealed for. */
export async function withBody(org: string, stored: Stored<FhirResource>): Promise<FhirResource> {
  const name = binaryObjectName(org, stored.id, stored.versionId);
  const sealed = await binaryStore().get(name);
  if (!sealed) throw new StoredDataError(`Binary/${stored.id} has no body for version ${stored.versionId}`);
  const ref = { tenant: org, resourceType: 'Binary', id: stored.id, versionId: stored.versionId };
  const data = await binaryEnvelope().open(ref, sealed);
  if (typeof data !== 'string')
    throw new StoredDataError(`Binary/${stored.id} has a body that is not base64`);
  // The resource as it was given: its elements in R4's order, data last.
  return { ...stored.resource, data };
}
