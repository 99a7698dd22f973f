import { engineDefinitions, includeValues, REVINCLUDE_VALUES } from '../resources/registry.ts';
import { type RouteDef, routeEntries, SMART_PATHS } from '../routes.ts';

/** `_include` values of the clinical types' searches (shared/http/clinical-query.ts serves them). */
const INCLUDES = new Map(
  engineDefinitions
    .filter((definition) => 'patientElement' in definition)
    .map((definition) => [definition.resourceType, includeValues(definition)]),
);
const REVINCLUDES = new Map([['Patient', REVINCLUDE_VALUES]]);
/** Operations FHIR defines, named by their official canonical URL; ours by this server's. */
const HL7_OPERATIONS = new Set(['Patient-everything']);

const RESOURCE_INTERACTIONS = new Set([
  'read',
  'vread',
  'update',
  'patch',
  'delete',
  'history-instance',
  'create',
  'search-type',
]);

/** FHIR R4 CapabilityStatement of what the route table really serves, and nothing else. */
export function capabilityStatement(
  baseUrl: string,
  routes: readonly RouteDef[] = routeEntries().map(([, def]) => def),
) {
  const byType = new Map<string, RouteDef[]>();
  for (const def of routes) {
    if (!def.resourceType) continue;
    byType.set(def.resourceType, [...(byType.get(def.resourceType) ?? []), def]);
  }
  const resource = [...byType.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([type, defs]) => {
      const interactions = [
        ...new Set(defs.map((def) => def.interaction).filter((i) => RESOURCE_INTERACTIONS.has(i))),
      ];
      const searchParams = defs.flatMap((def) => def.searchParams ?? []);
      const operations = defs.filter((def) => def.operation);
      const versioned = interactions.includes('vread');
      const searched = interactions.includes('search-type');
      const includes = searched ? (INCLUDES.get(type) ?? []) : [];
      const revIncludes = searched ? (REVINCLUDES.get(type) ?? []) : [];
      return {
        type,
        // A type served only through an operation (Slot's $availability) has no interaction, and
        // R4's JSON has no empty arrays.
        ...(interactions.length > 0 ? { interaction: interactions.map((code) => ({ code })) } : {}),
        ...(versioned ? { versioning: 'versioned-update', readHistory: true, updateCreate: false } : {}),
        ...(interactions.includes('update') ? { conditionalUpdate: false } : {}),
        ...(searchParams.length > 0
          ? {
              searchParam: uniqueBy(searchParams, (p) => p.name).map((p) => ({ name: p.name, type: p.type })),
            }
          : {}),
        ...(includes.length > 0 ? { searchInclude: includes } : {}),
        ...(revIncludes.length > 0 ? { searchRevInclude: revIncludes } : {}),
        ...(operations.length > 0
          ? {
              operation: operations.map((def) => ({
                name: def.operation,
                definition: HL7_OPERATIONS.has(`${def.resourceType}-${def.operation}`)
                  ? `http://hl7.org/fhir/OperationDefinition/${def.resourceType}-${def.operation}`
                  : `${baseUrl}/OperationDefinition/${def.resourceType}-${def.operation}`,
              })),
            }
          : {}),
      };
    });
  // System-level interactions served by the table: `batch` (POST /). `transaction` is not.
  const system = routes
    .filter((def) => def.interaction === 'batch')
    .map(() => ({
      code: 'batch',
      documentation:
        'POST / with a batch Bundle of up to 100 entries; each entry is authorized and audited as a single request',
    }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-25',
    kind: 'instance',
    software: { name: 'fhir-records-backend', version: '0.1.0' },
    implementation: { description: 'Serverless FHIR R4 records backend', url: baseUrl },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'JSON only (_format=json or application/fhir+json; XML answers 406). Searches serve _count, signed paging cursors and _summary=count. transaction Bundles are not supported (422).',
        security: {
          cors: true,
          // SMART App Launch 2.0 §"Capability Sets": the endpoints, as the discovery document
          // at /.well-known/smart-configuration gives them.
          extension: [
            {
              url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
              extension: (['authorize', 'token', 'introspect', 'revoke'] as const).map((name) => ({
                url: name,
                valueUri: `${baseUrl}${SMART_PATHS[name]}`,
              })),
            },
          ],
          service: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/restful-security-service',
                  code: 'SMART-on-FHIR',
                },
              ],
              text: 'SMART App Launch 2.0 and Backend Services: bearer JWTs (Amazon Cognito and the stack’s token function in AWS, the local authorization server locally)',
            },
          ],
        },
        resource,
        ...(system.length > 0 ? { interaction: system } : {}),
      },
    ],
  };
}

function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = key(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
