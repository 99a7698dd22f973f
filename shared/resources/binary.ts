import type { ClinicalDefinition } from './definition.ts';

/**
 * Attachments: a Binary belongs to the patient its `securityContext` references and follows
 * that patient's rules (R4 Binary.securityContext), as a record of their compartment does. Its
 * body is sealed apart from the item (shared/store/binaries.ts); the item holds the rest.
 */
export const binaryDefinition = {
  resourceType: 'Binary',
  searchParameters: [],
  patientElement: 'securityContext',
  clear: ['id', 'meta.versionId', 'meta.lastUpdated', 'the patient id'],
} as const satisfies ClinicalDefinition<'Binary'>;
