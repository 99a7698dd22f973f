import type { Stored } from '../store/resources.ts';
import { type FhirResponse, weakETag } from './response.ts';

/**
 * A stored resource as FHIR answers it: ETag, Last-Modified, Location on create, and the
 * body shaped by `Prefer: return=minimal|representation|OperationOutcome`.
 */
export function resourceResponse(
  stored: Stored<unknown> & { resource: { resourceType: string } },
  status: 200 | 201,
  request: { baseUrl: string; headers: Readonly<Record<string, string>> },
): FhirResponse {
  const { resourceType } = stored.resource;
  const location = `${request.baseUrl}/${resourceType}/${stored.id}/_history/${stored.versionId}`;
  const headers: Record<string, string> = {
    ETag: weakETag(stored.versionId),
    'Last-Modified': new Date(stored.lastUpdated).toUTCString(),
    ...(status === 201 ? { Location: location } : { 'Content-Location': location }),
  };
  const prefer = /return=(minimal|representation|OperationOutcome)/.exec(request.headers.prefer ?? '')?.[1];
  if (prefer === 'minimal') return { status, headers };
  if (prefer === 'OperationOutcome') {
    return {
      status,
      headers,
      body: {
        resourceType: 'OperationOutcome',
        issue: [
          {
            severity: 'information',
            code: 'informational',
            diagnostics: `${resourceType}/${stored.id} version ${stored.versionId}`,
          },
        ],
      },
    };
  }
  return { status, headers, body: stored.resource };
}
