/**
 * The handlers of a clinical type's routes, one function per action so that each route's bundle
 * carries only its own: `export const handler = readHandler(contracts.read, observationType)`.
 * Every one is the engine's flow (shared/store/repository.ts) with the type's hooks.
 */
import type * as z from 'zod/mini';
import type { JsonPatch } from '../fhir/json-patch.ts';
import { type ClinicalResourceType, type FhirResource, storedClinicalType } from '../store/hooks/clinical.ts';
import { type ClinicalSearch, clinicalSearch } from '../store/hooks/clinical-search.ts';
import { clinicalWrites } from '../store/hooks/clinical-writes.ts';
import type { WriteHooks } from '../store/hooks/types.ts';
import {
  createResource,
  deleteResource,
  patchResource,
  readResource,
  readResourceVersion,
  resourceHistory,
  searchResources,
  updateResource,
} from '../store/repository.ts';
import { historyResponse, searchsetResponse } from './bundles.ts';
import { createIfNoneExist, IF_NONE_EXIST_PAGE, ifNoneExistOf } from './if-none-exist.ts';
import { includedMatches } from './includes.ts';
import type { HistoryQuery, IdParams, VersionParams } from './params.ts';
import { resourceResponse } from './resource-response.ts';
import { noContent } from './response.ts';
import { type Request, type RouteContract, route } from './route.ts';

type Body = z.ZodMiniType<FhirResource>;
type CreateContract = RouteContract<undefined, undefined, Body>;
/** The query of a clinical search (shared/http/clinical-query.ts): its output is a ClinicalSearch. */
type SearchContract = RouteContract<undefined, z.ZodMiniType, undefined>;
type ReadContract = RouteContract<typeof IdParams, undefined, undefined>;
type UpdateContract = RouteContract<typeof IdParams, undefined, Body>;
type PatchContract = RouteContract<typeof IdParams, undefined, typeof JsonPatch>;
type HistoryContract = RouteContract<typeof IdParams, typeof HistoryQuery, undefined>;
type VreadContract = RouteContract<typeof VersionParams, undefined, undefined>;

const writesOf = new WeakMap<ClinicalResourceType, WriteHooks<FhirResource>>();
const writes = (type: ClinicalResourceType) => {
  let hooks = writesOf.get(type);
  if (!hooks) {
    hooks = clinicalWrites(type);
    writesOf.set(type, hooks);
  }
  return hooks;
};

/**
 * What the routes that only read (read, vread, history, search) parse stored records with:
 * their resourceType, as `$everything` reads them (hooks/clinical.ts storedClinicalType). A
 * record's structure was checked against R4 when it was written, and the envelope opens a
 * payload only for the organization, type, id and version it was sealed for. Checking each
 * record against the whole structure again took about 65 µs, a sixth of a search page's own
 * work, and would leave records written before a stricter validator unreadable.
 */
const readBackOf = new WeakMap<ClinicalResourceType, ClinicalResourceType>();
const readBack = (type: ClinicalResourceType) => {
  let stored = readBackOf.get(type);
  if (!stored) {
    stored = storedClinicalType(type.definition);
    readBackOf.set(type, stored);
  }
  return stored;
};

const search = (
  type: ClinicalResourceType,
  request: Request<unknown, unknown, unknown>,
  query: ClinicalSearch,
) => searchResources(request, clinicalSearch(readBack(type)), query, request.binding);

/** POST /<type> (optional If-None-Exist, Idempotency-Key) · clinician (care relationship), admin · audit C */
export const createHandler = (
  contract: CreateContract,
  searchContract: SearchContract,
  type: ClinicalResourceType,
) =>
  route(contract, async (request) => {
    const create = async () =>
      (await createResource(request, writes(type), request.body, request.idempotency)).stored;
    const criteria = searchContract.query ? ifNoneExistOf(request.headers, searchContract.query) : undefined;
    const { stored, created } = criteria
      ? await createIfNoneExist(
          () =>
            search(type, request, {
              ...(criteria as ClinicalSearch),
              _count: IF_NONE_EXIST_PAGE,
              _cursor: undefined,
            }),
          create,
        )
      : { stored: await create(), created: true };
    return resourceResponse(stored, created ? 201 : 200, request);
  });

const includeOf = (query: ClinicalSearch): string | string[] | undefined =>
  typeof query._include === 'number' ? undefined : query._include;

/** GET /<type>?... (and POST /<type>/_search) · patient (own), clinician (care relationship or break-glass), admin · audit E */
export const searchHandler = (contract: SearchContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    // Parsed by the type's query contract, whose output is a ClinicalSearch.
    const query = request.query as ClinicalSearch;
    return searchsetResponse(request, type.resourceType, async ({ cursor, count }) => {
      const page = await search(type, request, { ...query, _count: count, _cursor: cursor });
      const matches = page.matches.map((match) => ({ id: match.id, resource: match.resource }));
      const included = await includedMatches(request, type.definition, includeOf(query), page.matches);
      return { matches, included, ...(page.next ? { next: page.next } : {}) };
    });
  });

/** GET /<type>/{id} · as search · audit R */
export const readHandler = (contract: ReadContract, type: ClinicalResourceType) =>
  route(contract, async (request) =>
    resourceResponse(await readResource(request, readBack(type), request.params.id), 200, request),
  );

/** PUT /<type>/{id} · clinician (care relationship; break-glass is 403), admin · audit U */
export const updateHandler = (contract: UpdateContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    const { id } = request.params;
    const stored = await updateResource(request, writes(type), id, request.ifMatch, request.body);
    return resourceResponse(stored, 200, request);
  });

/** PATCH /<type>/{id} (application/json-patch+json) · as update · audit U */
export const patchHandler = (contract: PatchContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    const { id } = request.params;
    const stored = await patchResource(request, writes(type), id, request.ifMatch, request.body);
    return resourceResponse(stored, 200, request);
  });

/** DELETE /<type>/{id} · as update · audit D */
export const deleteHandler = (contract: ReadContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    await deleteResource(request, writes(type), request.params.id, request.ifMatch);
    return noContent();
  });

/** GET /<type>/{id}/_history · as read · audit R */
export const historyHandler = (contract: HistoryContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    const { id } = request.params;
    const { _count, _cursor } = request.query;
    const page = await resourceHistory(request, readBack(type), id, _count, _cursor, request.binding);
    return historyResponse(request, type.resourceType, id, page);
  });

/** GET /<type>/{id}/_history/{vid} · as read · audit R */
export const vreadHandler = (contract: VreadContract, type: ClinicalResourceType) =>
  route(contract, async (request) => {
    const { id, vid } = request.params;
    return resourceResponse(
      await readResourceVersion(request, readBack(type), id, Number(vid)),
      200,
      request,
    );
  });
