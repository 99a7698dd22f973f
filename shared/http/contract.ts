import type * as z from 'zod/mini';
import type { RouteId } from '../routes.ts';

export type Schema = z.ZodMiniType;
export type Out<S> = S extends z.ZodMiniType<infer O> ? O : undefined;

/** The contract of one route besides the route table entry: what it accepts. */
export interface Contract<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> {
  params?: P;
  query?: Q;
  body?: B;
  /** `resource` bodies are FHIR JSON; `json-patch` bodies are RFC 6902 documents. */
  bodyType?: 'resource' | 'json-patch';
  /** A larger body limit than MAX_BODY_BYTES, for the routes whose bodies are files (Binary). */
  maxBodyBytes?: number;
  /** Resource type named in error locations of the body (`Patient.birthDate`). */
  resourceType?: string;
  /** The route takes an `Idempotency-Key` header: the stack parses it into `request.idempotency`. */
  idempotencyKey?: true;
}

/** Any route's contract, as the OpenAPI generator reads them. */
export type AnyContract = Contract<Schema | undefined, Schema | undefined, Schema | undefined>;

/** A contract that names its entry of the route table. */
export type RouteContract<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
> = Contract<P, Q, B> & { readonly id: RouteId };

/**
 * A module's contracts, each stamped with its key as the route id it serves, so that a handler
 * names its route once: `route(contracts.readPatient, ...)`.
 */
export function contractsFor<const T extends Partial<Record<RouteId, AnyContract>>>(
  contracts: T & Record<Exclude<keyof T, RouteId>, never>,
): { [K in keyof T]: T[K] & { readonly id: K } } {
  return Object.fromEntries(Object.entries(contracts).map(([id, contract]) => [id, { ...contract, id }])) as {
    [K in keyof T]: T[K] & { readonly id: K };
  };
}
