/** FHIR Bundles of the shapes this API answers with. */

export interface BundleEntry {
  fullUrl?: string;
  resource?: unknown;
  search?: { mode: 'match' | 'include' | 'outcome' };
  request?: { method: string; url: string };
  response?: { status: string; etag?: string; lastModified?: string; location?: string };
}

export interface Bundle {
  resourceType: 'Bundle';
  type: 'searchset' | 'history' | 'batch-response';
  total?: number;
  link?: { relation: 'self' | 'next'; url: string }[];
  entry?: BundleEntry[];
}

export function bundle(
  type: Bundle['type'],
  entries: BundleEntry[],
  links: { self: string; next?: string | undefined },
  total?: number,
): Bundle {
  return {
    resourceType: 'Bundle',
    type,
    ...(total !== undefined ? { total } : {}),
    link: [
      { relation: 'self', url: links.self },
      ...(links.next ? [{ relation: 'next' as const, url: links.next }] : []),
    ],
    // No match, no entry element: R4's JSON has no empty arrays.
    ...(entries.length > 0 ? { entry: entries } : {}),
  };
}

/** `base/Type?query` with the given parameters, in a stable order. */
export function searchUrl(
  baseUrl: string,
  path: string,
  params: Record<string, string | string[] | undefined>,
): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) query.append(name, one);
  }
  const text = query.toString();
  return `${baseUrl}${path}${text ? `?${text}` : ''}`;
}
