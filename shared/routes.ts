/**
 * THE route table. The CDK stack builds one function, one API Gateway method and one
 * least-privilege role per entry; the local gateway routes requests with it; the
 * CapabilityStatement and the authorization tests are generated from it. A route exists
 * here and nowhere else.
 *
 * This module must stay free of runtime imports: every handler bundle imports it.
 */

export const ROLES = ['patient', 'clinician', 'compliance', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** FHIR AuditEvent.action: Create, Read, Update, Delete, Execute. */
export type AuditAction = 'C' | 'R' | 'U' | 'D' | 'E';

/** FHIR CapabilityStatement interaction codes (plus `operation` for `$x` operations). */
export type Interaction =
  | 'read'
  | 'vread'
  | 'update'
  | 'patch'
  | 'delete'
  | 'history-instance'
  | 'create'
  | 'search-type'
  | 'operation'
  | 'capabilities'
  | 'system';

/**
 * What a route's function touches. The stack turns this into IAM grants and nothing
 * more, so a route that does not declare `records: 'write'` cannot write records.
 */
export interface RouteAccess {
  records?: 'read' | 'write';
  /**
   * Reading the access log (compliance routes). Appending needs no declaration: every
   * route with an `audit` action may PutItem its own AuditEvent, and nothing more.
   */
  auditLog?: 'read';
  /** Envelope encryption of payloads with the data key. */
  dataKey?: 'decrypt' | 'encrypt-decrypt';
  /** Blind indexes and cursor MACs with the HMAC key. */
  indexKey?: boolean;
  /** Signing of audit digests. */
  signingKey?: 'sign' | 'verify';
}

export interface RouteDef {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path syntax: `/Patient/{id}`. */
  path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  handler: string;
  /** `none` only for the public conformance endpoints. */
  auth: 'jwt' | 'none';
  /** Roles that may call the route at all; the finer policy lives in shared/auth. */
  roles: readonly Role[];
  resourceType?: 'Patient' | 'Practitioner' | 'Appointment' | 'AuditEvent' | 'Slot';
  interaction: Interaction;
  /** The AuditEvent action this route records; undefined only for unaudited public routes. */
  audit?: AuditAction;
  /** FHIR search parameters the route serves (for the CapabilityStatement and OpenAPI). */
  searchParams?: readonly { name: string; type: 'string' | 'token' | 'date' | 'reference' | 'number' }[];
  /** Operation name for `operation` interactions, without the `$`. */
  operation?: string;
  access: RouteAccess;
  summary: string;
}

const clinical = ['patient', 'clinician', 'admin'] as const satisfies readonly Role[];

export const routes = {
  metadata: {
    method: 'GET',
    path: '/metadata',
    handler: 'functions/system/metadata.ts',
    auth: 'none',
    roles: [],
    interaction: 'capabilities',
    access: {},
    summary: 'FHIR CapabilityStatement generated from the route table',
  },
  health: {
    method: 'GET',
    path: '/health',
    handler: 'functions/system/health.ts',
    auth: 'none',
    roles: [],
    interaction: 'system',
    access: {},
    summary: 'Liveness check',
  },
} as const satisfies Record<string, RouteDef>;

export type RouteId = keyof typeof routes;

/** Functions that no route calls: scheduled jobs (EventBridge in AWS, an npm script locally). */
export interface JobDef {
  handler: string;
  /** EventBridge schedule expression. */
  schedule: string;
  access: RouteAccess & { auditLog?: 'read' | 'seal' };
  summary: string;
}

export const jobs: Record<string, JobDef> = {};

export const routeEntries = (): [RouteId, RouteDef][] =>
  Object.entries(routes).map(([id, def]): [RouteId, RouteDef] => [id as RouteId, def]);
