/**
 * What the Binary routes accept, apart from their handlers (the OpenAPI document reads these).
 */
import { BinaryStructure } from '../../shared/fhir/r4/binary.generated.ts';
import { structureSchema } from '../../shared/fhir/structure.ts';
import { contractsFor } from '../../shared/http/contract.ts';
import { IdParams } from '../../shared/http/params.ts';
import type { FhirResource } from '../../shared/store/hooks/clinical.ts';

/**
 * A Binary body: the attachment base64-encoded in FHIR JSON. What a Lambda function can be given
 * (6 MB for the whole event) bounds it, below API Gateway's 10 MB: 5 MB of JSON, about 3.7 MB
 * of attachment.
 */
export const BINARY_MAX_BODY_BYTES = 5 * 1024 * 1024;

export const contracts = contractsFor({
  createBinary: {
    body: structureSchema<FhirResource>(BinaryStructure),
    resourceType: 'Binary',
    idempotencyKey: true,
    maxBodyBytes: BINARY_MAX_BODY_BYTES,
  },
  readBinary: { params: IdParams },
});
