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

/** Who may call Patient routes at all: compliance staff read the access log, not clinical content. */
const clinical = ['patient', 'clinician', 'admin'] as const satisfies readonly Role[];
const staff = ['clinician', 'admin'] as const satisfies readonly Role[];

const readRecords: RouteAccess = { records: 'read', dataKey: 'decrypt', indexKey: true };
const writeRecords: RouteAccess = { records: 'write', dataKey: 'encrypt-decrypt', indexKey: true };

const patientSearchParams = [
  { name: '_id', type: 'token' },
  { name: 'family', type: 'string' },
  { name: 'given', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'birthdate', type: 'date' },
  { name: 'gender', type: 'token' },
  { name: 'identifier', type: 'token' },
] as const;

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
  createPatient: {
    method: 'POST',
    path: '/Patient',
    handler: 'functions/patient/create.ts',
    auth: 'jwt',
    roles: staff,
    resourceType: 'Patient',
    interaction: 'create',
    audit: 'C',
    access: writeRecords,
    summary: 'Register a patient (optional Idempotency-Key)',
  },
  searchPatients: {
    method: 'GET',
    path: '/Patient',
    handler: 'functions/patient/search.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'search-type',
    audit: 'E',
    searchParams: patientSearchParams,
    access: readRecords,
    summary: 'Search patients the caller may see',
  },
  readPatient: {
    method: 'GET',
    path: '/Patient/{id}',
    handler: 'functions/patient/read.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'read',
    audit: 'R',
    access: readRecords,
    summary: 'Read a patient record',
  },
  updatePatient: {
    method: 'PUT',
    path: '/Patient/{id}',
    handler: 'functions/patient/update.ts',
    auth: 'jwt',
    roles: staff,
    resourceType: 'Patient',
    interaction: 'update',
    audit: 'U',
    access: writeRecords,
    summary: 'Replace a patient record (If-Match required)',
  },
  patchPatient: {
    method: 'PATCH',
    path: '/Patient/{id}',
    handler: 'functions/patient/patch.ts',
    auth: 'jwt',
    roles: staff,
    resourceType: 'Patient',
    interaction: 'patch',
    audit: 'U',
    access: writeRecords,
    summary: 'Change a patient record with JSON Patch (If-Match required)',
  },
  deletePatient: {
    method: 'DELETE',
    path: '/Patient/{id}',
    handler: 'functions/patient/delete.ts',
    auth: 'jwt',
    roles: staff,
    resourceType: 'Patient',
    interaction: 'delete',
    audit: 'D',
    access: writeRecords,
    summary: 'Delete a patient record (logical: history stays, reads answer 410)',
  },
  patientHistory: {
    method: 'GET',
    path: '/Patient/{id}/_history',
    handler: 'functions/patient/history.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'history-instance',
    audit: 'R',
    access: readRecords,
    summary: 'Versions of a patient record, newest first',
  },
  readPatientVersion: {
    method: 'GET',
    path: '/Patient/{id}/_history/{vid}',
    handler: 'functions/patient/vread.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'vread',
    audit: 'R',
    access: readRecords,
    summary: 'One version of a patient record',
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
