import type { ResourceDefinition } from './definition.ts';

/**
 * Patient. The names, birth date and identifiers are searched through blind indexes only;
 * the names by how they start (FHIR string search) through a prefix token per name part and
 * a filter over the decrypted names, and with `:exact` through their full-value tokens.
 * `gender` is a filter over decrypted records: with four values its tokens would show the
 * organization's split by frequency.
 */
export const patientDefinition = {
  resourceType: 'Patient',
  searchParameters: [
    { name: '_id', type: 'token', expression: 'Resource.id', index: 'id' },
    { name: 'family', type: 'string', expression: 'Patient.name.family', index: 'blind' },
    { name: 'given', type: 'string', expression: 'Patient.name.given', index: 'blind' },
    { name: 'name', type: 'string', expression: 'Patient.name', index: 'blind' },
    { name: 'birthdate', type: 'date', expression: 'Patient.birthDate', index: 'blind' },
    { name: 'gender', type: 'token', expression: 'Patient.gender', index: 'filter' },
    { name: 'identifier', type: 'token', expression: 'Patient.identifier', index: 'blind' },
  ],
  patientCompartment: 'self',
  clear: ['id', 'meta.versionId', 'meta.lastUpdated'],
} as const satisfies ResourceDefinition<'Patient'>;
