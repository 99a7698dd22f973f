import type * as z from 'zod/mini';
import { JsonPatch } from '../fhir/json-patch.ts';
import type { ClinicalType } from '../resources/clinical.ts';
import type { ClinicalDefinition } from '../resources/definition.ts';
import type { ClinicalRouteId } from '../routes.ts';
import { clinicalQuery } from './clinical-query.ts';
import { HistoryQuery, IdParams, VersionParams } from './params.ts';

/**
 * The contracts of a clinical type's nine routes (shared/routes.ts clinicalRoutes), each stamped
 * with its route id as `contractsFor` does: `body` is the type's structure from the official
 * definitions, `query` its search parameters.
 */
export function clinicalContracts<const T extends ClinicalType, B extends z.ZodMiniType>(
  definition: ClinicalDefinition<T>,
  body: B,
) {
  const resourceType = definition.resourceType;
  const query = clinicalQuery(definition);
  const id = <K extends ClinicalRouteId<T>>(action: string, suffix = '') =>
    `${action}${resourceType}${suffix}` as K;
  return {
    create: {
      id: id<`create${T}`>('create'),
      body,
      resourceType,
      idempotencyKey: true as const,
    },
    search: { id: id<`search${T}`>('search'), query },
    searchPost: { id: id<`search${T}Post`>('search', 'Post'), query },
    read: { id: id<`read${T}`>('read'), params: IdParams },
    update: { id: id<`update${T}`>('update'), params: IdParams, body, resourceType },
    patch: {
      id: id<`patch${T}`>('patch'),
      params: IdParams,
      body: JsonPatch,
      bodyType: 'json-patch' as const,
      resourceType: 'JsonPatch',
    },
    delete: { id: id<`delete${T}`>('delete'), params: IdParams },
    history: { id: id<`history${T}`>('history'), params: IdParams, query: HistoryQuery },
    vread: { id: id<`vread${T}`>('vread'), params: VersionParams },
  };
}

/** The contracts keyed by route id, as the OpenAPI document reads every route's. */
export const byRouteId = (contracts: ReturnType<typeof clinicalContracts>) =>
  Object.fromEntries(Object.values(contracts).map((contract) => [contract.id, contract]));
