import type { ResourceDefinition } from './definition.ts';

/**
 * Practitioner: the organization's directory. Staff names are not PHI (every patient who
 * books sees them), so `name` is a plaintext word index that FHIR's starts-with matching can
 * use; the record itself is sealed like every other. In no Patient compartment.
 */
export const practitionerDefinition = {
  resourceType: 'Practitioner',
  searchParameters: [{ name: 'name', type: 'string', expression: 'Practitioner.name', index: 'words' }],
  clear: ['id', 'meta.versionId', 'meta.lastUpdated', 'name (normalized words)'],
} as const satisfies ResourceDefinition<'Practitioner'>;
