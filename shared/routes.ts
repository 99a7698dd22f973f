/**
 * THE route table. The CDK stack builds one function, one API Gateway method and one
 * least-privilege role per entry; the local gateway routes requests with it; the
 * CapabilityStatement and the authorization tests are generated from it. A route exists
 * here and nowhere else.
 *
 * This module imports nothing at run time but the resource definitions (data, no imports of
 * their own): every handler bundle imports it.
 */
import { appointmentDefinition } from './resources/appointment.ts';
import { type ClinicalType, clinicalDefinitions } from './resources/clinical.ts';
import type { ClinicalDefinition } from './resources/definition.ts';
import { patientDefinition } from './resources/patient.ts';
import { practitionerDefinition } from './resources/practitioner.ts';

export const ROLES = ['patient', 'clinician', 'compliance', 'admin'] as const;
export type Role = (typeof ROLES)[number];
/**
 * The roles a backend service (SMART Backend Services: a token with no user behind it) acts
 * with: it manages (an export, a sync) or reviews the access log; it is never a patient and
 * treats nobody, so it has no care relationship to rest a clinician's rights on.
 */
/**
 * The SMART endpoints under the FHIR base URL, one list for the local authorization server, the
 * AWS stack and the CapabilityStatement's security extension, so they cannot drift apart.
 */
export const SMART_PATHS = {
  configuration: '/.well-known/smart-configuration',
  jwks: '/auth/jwks',
  authorize: '/auth/authorize',
  token: '/auth/token',
  introspect: '/auth/introspect',
  revoke: '/auth/revoke',
} as const;

export const BACKEND_ROLES = ['admin', 'compliance'] as const satisfies readonly Role[];

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
  | 'system'
  | 'batch';

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
  /**
   * Opening the break-glass reasons sealed in AuditEvents (compliance reads). Sealing them needs
   * no declaration: every audited route that reads records may seal a reason, and only that.
   */
  auditReasons?: 'decrypt';
  /** Blind indexes and cursor MACs with the HMAC key. */
  indexKey?: boolean;
  /** Signing of audit digests. */
  signingKey?: 'sign' | 'verify';
  /**
   * Calls other routes' functions with the caller's claims (the batch endpoint):
   * lambda:InvokeFunction on the route functions, and no grant of their own.
   */
  invokeRoutes?: boolean;
  /**
   * Its own Idempotency-Key records in the records table (the batch endpoint, whose entries'
   * writes are their routes'): Get/Put/UpdateItem on idempotency keys only, nothing else.
   */
  idempotencyRecords?: boolean;
  /**
   * Attachments (Binary): their envelope-encrypted bodies in the binaries bucket (AWS) or under
   * the data dir (local). `write` puts new objects, `read` gets them; nothing lists or deletes.
   */
  binaries?: 'read' | 'write';
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
  resourceType?: 'Patient' | 'Practitioner' | 'Appointment' | 'AuditEvent' | 'Slot' | 'Binary' | ClinicalType;
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

const patientSearchParams = patientDefinition.searchParameters;
const practitionerSearchParams = practitionerDefinition.searchParameters;
const appointmentSearchParams = appointmentDefinition.searchParameters;

const auditEventSearchParams = [
  { name: 'patient', type: 'reference' },
  { name: 'agent', type: 'token' },
  { name: 'date', type: 'date' },
  { name: 'action', type: 'token' },
  { name: 'outcome', type: 'token' },
  { name: 'purpose', type: 'token' },
] as const;

/** `MedicationRequest` -> `medication-request`: the folder of a type's handlers. */
export const kebabCase = (name: string): string => name.replace(/(?<!^)([A-Z])/g, '-$1').toLowerCase();

export type ClinicalRouteId<T extends string> =
  | `create${T}`
  | `search${T}`
  | `search${T}Post`
  | `read${T}`
  | `update${T}`
  | `patch${T}`
  | `delete${T}`
  | `history${T}`
  | `vread${T}`;

/**
 * The routes of one clinical type, the same nine for each (functions/<type>/<action>.ts): the
 * patient reads their own record, clinicians read and write where they care for the patient
 * (break-glass: read), admins manage; compliance never sees clinical content.
 */
export function clinicalRoutes<const D extends ClinicalDefinition<ClinicalType>>(
  definition: D,
): Record<ClinicalRouteId<D['resourceType']>, RouteDef> {
  const type = definition.resourceType;
  const folder = `functions/${kebabCase(type)}`;
  const searchParams = definition.searchParameters;
  const entry = (
    method: RouteDef['method'],
    path: string,
    action: string,
    interaction: Interaction,
    audit: AuditAction,
    summary: string,
  ): RouteDef => {
    const writes = method !== 'GET' && interaction !== 'search-type';
    return {
      method,
      path,
      handler: `${folder}/${action}.ts`,
      auth: 'jwt',
      roles: writes ? staff : clinical,
      resourceType: type,
      interaction,
      audit,
      ...(interaction === 'search-type' ? { searchParams } : {}),
      access: writes ? writeRecords : readRecords,
      summary,
    };
  };
  const routes = {
    [`create${type}`]: entry(
      'POST',
      `/${type}`,
      'create',
      'create',
      'C',
      `Record a ${type} in a patient's record (optional Idempotency-Key)`,
    ),
    [`search${type}`]: entry(
      'GET',
      `/${type}`,
      'search',
      'search-type',
      'E',
      `Search ${type} resources the caller may see`,
    ),
    [`search${type}Post`]: entry(
      'POST',
      `/${type}/_search`,
      'search-post',
      'search-type',
      'E',
      `Search ${type} resources as GET /${type} does, the parameters form-encoded in the body`,
    ),
    [`read${type}`]: entry('GET', `/${type}/{id}`, 'read', 'read', 'R', `Read a ${type}`),
    [`update${type}`]: entry(
      'PUT',
      `/${type}/{id}`,
      'update',
      'update',
      'U',
      `Replace a ${type} (If-Match required)`,
    ),
    [`patch${type}`]: entry(
      'PATCH',
      `/${type}/{id}`,
      'patch',
      'patch',
      'U',
      `Change a ${type} with JSON Patch (If-Match required)`,
    ),
    [`delete${type}`]: entry(
      'DELETE',
      `/${type}/{id}`,
      'delete',
      'delete',
      'D',
      `Delete a ${type} (logical: history stays, reads answer 410)`,
    ),
    [`history${type}`]: entry(
      'GET',
      `/${type}/{id}/_history`,
      'history',
      'history-instance',
      'R',
      `Versions of a ${type}, newest first`,
    ),
    [`vread${type}`]: entry(
      'GET',
      `/${type}/{id}/_history/{vid}`,
      'vread',
      'vread',
      'R',
      `One version of a ${type}`,
    ),
  };
  return routes as Record<ClinicalRouteId<D['resourceType']>, RouteDef>;
}

const [
  encounter,
  observation,
  condition,
  allergy,
  medicationRequest,
  procedure,
  immunization,
  document,
  careTeam,
] = clinicalDefinitions;

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
  searchPatientsPost: {
    method: 'POST',
    path: '/Patient/_search',
    handler: 'functions/patient/search-post.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'search-type',
    audit: 'E',
    searchParams: patientSearchParams,
    access: readRecords,
    summary:
      'Search patients as GET /Patient does, the parameters form-encoded in the body: no PHI in the URL',
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
  patientEverything: {
    method: 'GET',
    path: '/Patient/{id}/$everything',
    handler: 'functions/patient/everything.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Patient',
    interaction: 'operation',
    operation: 'everything',
    audit: 'E',
    access: readRecords,
    summary:
      'The patient and every record of their compartment the caller may see (start, end, _since, _type), paged',
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
  // Practitioners and appointments (issue "Appointments: booking without double-booking").
  createPractitioner: {
    method: 'POST',
    path: '/Practitioner',
    handler: 'functions/practitioner/create.ts',
    auth: 'jwt',
    roles: ['admin'],
    resourceType: 'Practitioner',
    interaction: 'create',
    audit: 'C',
    access: { records: 'write', dataKey: 'encrypt-decrypt' },
    summary: 'Register a practitioner with working hours (optional Idempotency-Key)',
  },
  searchPractitioners: {
    method: 'GET',
    path: '/Practitioner',
    handler: 'functions/practitioner/search.ts',
    auth: 'jwt',
    roles: ROLES,
    resourceType: 'Practitioner',
    interaction: 'search-type',
    audit: 'E',
    searchParams: practitionerSearchParams,
    // The HMAC key signs paging cursors.
    access: { records: 'read', dataKey: 'decrypt', indexKey: true },
    summary: "Search the organization's practitioners by name (starts-with)",
  },
  searchPractitionersPost: {
    method: 'POST',
    path: '/Practitioner/_search',
    handler: 'functions/practitioner/search-post.ts',
    auth: 'jwt',
    roles: ROLES,
    resourceType: 'Practitioner',
    interaction: 'search-type',
    audit: 'E',
    searchParams: practitionerSearchParams,
    // The HMAC key signs paging cursors.
    access: { records: 'read', dataKey: 'decrypt', indexKey: true },
    summary: 'Search practitioners as GET /Practitioner does, the parameters form-encoded in the body',
  },
  readPractitioner: {
    method: 'GET',
    path: '/Practitioner/{id}',
    handler: 'functions/practitioner/read.ts',
    auth: 'jwt',
    roles: ROLES,
    resourceType: 'Practitioner',
    interaction: 'read',
    audit: 'R',
    access: { records: 'read', dataKey: 'decrypt' },
    summary: 'Read a practitioner',
  },
  practitionerAvailability: {
    method: 'GET',
    path: '/Practitioner/{id}/$availability',
    handler: 'functions/practitioner/availability.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Slot',
    interaction: 'operation',
    operation: 'availability',
    audit: 'E',
    access: { records: 'read', dataKey: 'decrypt' },
    summary: 'Free and busy Slots of a practitioner within working hours (at most 31 days)',
  },
  createAppointment: {
    method: 'POST',
    path: '/Appointment',
    handler: 'functions/appointment/create.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'create',
    audit: 'C',
    access: { records: 'write', dataKey: 'encrypt-decrypt' },
    summary: 'Book an appointment: no overlap for practitioner or patient (optional Idempotency-Key)',
  },
  searchAppointments: {
    method: 'GET',
    path: '/Appointment',
    handler: 'functions/appointment/search.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'search-type',
    audit: 'E',
    searchParams: appointmentSearchParams,
    access: readRecords,
    summary: 'Search appointments the caller may see, by participant, start and status',
  },
  searchAppointmentsPost: {
    method: 'POST',
    path: '/Appointment/_search',
    handler: 'functions/appointment/search-post.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'search-type',
    audit: 'E',
    searchParams: appointmentSearchParams,
    access: readRecords,
    summary:
      'Search appointments as GET /Appointment does, the parameters form-encoded in the body: no PHI in the URL',
  },
  readAppointment: {
    method: 'GET',
    path: '/Appointment/{id}',
    handler: 'functions/appointment/read.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'read',
    audit: 'R',
    access: { records: 'read', dataKey: 'decrypt' },
    summary: 'Read an appointment',
  },
  updateAppointment: {
    method: 'PUT',
    path: '/Appointment/{id}',
    handler: 'functions/appointment/update.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'update',
    audit: 'U',
    access: { records: 'write', dataKey: 'encrypt-decrypt' },
    summary: 'Change an appointment: status life cycle, cancellation frees the time (If-Match required)',
  },
  patchAppointment: {
    method: 'PATCH',
    path: '/Appointment/{id}',
    handler: 'functions/appointment/patch.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'patch',
    audit: 'U',
    access: { records: 'write', dataKey: 'encrypt-decrypt' },
    summary: 'Change an appointment with JSON Patch (If-Match required)',
  },
  appointmentHistory: {
    method: 'GET',
    path: '/Appointment/{id}/_history',
    handler: 'functions/appointment/history.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Appointment',
    interaction: 'history-instance',
    audit: 'R',
    access: readRecords,
    summary: 'Versions of an appointment, newest first',
  },
  // Access log (compliance). `$verify` precedes `{id}`: the literal segment must match first.
  searchAuditEvents: {
    method: 'GET',
    path: '/AuditEvent',
    handler: 'functions/audit/search.ts',
    auth: 'jwt',
    roles: ['compliance'],
    resourceType: 'AuditEvent',
    interaction: 'search-type',
    audit: 'E',
    searchParams: auditEventSearchParams,
    access: { auditLog: 'read', indexKey: true, auditReasons: 'decrypt' },
    summary: 'Search and export (Bundle, NDJSON, CSV) the access log of the caller’s organization',
  },
  searchAuditEventsPost: {
    method: 'POST',
    path: '/AuditEvent/_search',
    handler: 'functions/audit/search-post.ts',
    auth: 'jwt',
    roles: ['compliance'],
    resourceType: 'AuditEvent',
    interaction: 'search-type',
    audit: 'E',
    searchParams: auditEventSearchParams,
    access: { auditLog: 'read', indexKey: true, auditReasons: 'decrypt' },
    summary:
      'Search and export the access log as GET /AuditEvent does, the parameters form-encoded in the body',
  },
  verifyAuditLog: {
    method: 'GET',
    path: '/AuditEvent/$verify',
    handler: 'functions/audit/verify.ts',
    auth: 'jwt',
    roles: ['compliance'],
    resourceType: 'AuditEvent',
    interaction: 'operation',
    operation: 'verify',
    audit: 'E',
    access: { auditLog: 'read', signingKey: 'verify' },
    summary: 'Verify the access log against its signed hourly digest chain',
  },
  readAuditEvent: {
    method: 'GET',
    path: '/AuditEvent/{id}',
    handler: 'functions/audit/read.ts',
    auth: 'jwt',
    roles: ['compliance'],
    resourceType: 'AuditEvent',
    interaction: 'read',
    audit: 'R',
    access: { auditLog: 'read', auditReasons: 'decrypt' },
    summary: 'One AuditEvent of the caller’s organization',
  },
  patientAccessReport: {
    method: 'GET',
    path: '/Patient/{id}/$access-report',
    handler: 'functions/audit/access-report.ts',
    auth: 'jwt',
    roles: ['patient'],
    resourceType: 'Patient',
    interaction: 'operation',
    operation: 'access-report',
    audit: 'E',
    access: { auditLog: 'read', indexKey: true },
    summary: 'Who accessed the caller’s own patient record',
  },
  // Developer experience and interoperability.
  openApi: {
    method: 'GET',
    path: '/openapi.json',
    handler: 'functions/system/openapi.ts',
    auth: 'none',
    roles: [],
    interaction: 'system',
    access: {},
    summary: 'OpenAPI 3.1 description of every route, generated from the route table and its schemas',
  },
  batch: {
    method: 'POST',
    path: '/',
    handler: 'functions/system/batch.ts',
    auth: 'jwt',
    roles: ROLES,
    interaction: 'batch',
    audit: 'E',
    // Each entry runs in its route's own function, with that function's grants.
    access: { invokeRoutes: true, idempotencyRecords: true },
    summary: 'FHIR batch Bundle: up to 100 entries, each authorized and audited as a single request',
  },
  ...clinicalRoutes(encounter),
  ...clinicalRoutes(observation),
  ...clinicalRoutes(condition),
  ...clinicalRoutes(allergy),
  ...clinicalRoutes(medicationRequest),
  ...clinicalRoutes(procedure),
  ...clinicalRoutes(immunization),
  ...clinicalRoutes(document),
  ...clinicalRoutes(careTeam),
  createBinary: {
    method: 'POST',
    path: '/Binary',
    handler: 'functions/binary/create.ts',
    auth: 'jwt',
    roles: staff,
    resourceType: 'Binary',
    interaction: 'create',
    audit: 'C',
    access: { ...writeRecords, binaries: 'write' },
    summary:
      'Store an attachment of a patient (Binary.securityContext), envelope-encrypted (optional Idempotency-Key)',
  },
  readBinary: {
    method: 'GET',
    path: '/Binary/{id}',
    handler: 'functions/binary/read.ts',
    auth: 'jwt',
    roles: clinical,
    resourceType: 'Binary',
    interaction: 'read',
    audit: 'R',
    access: { ...readRecords, binaries: 'read' },
    summary: 'Read an attachment, under the access rules of the patient it belongs to',
  },
} as const satisfies Record<string, RouteDef>;

export type RouteId = keyof typeof routes;

/** Functions that no route calls: scheduled jobs (EventBridge in AWS, an npm script locally). */
export interface JobDef {
  handler: string;
  /** EventBridge schedule expression (the seal job's comes from the stage's `sealIntervalMinutes`). */
  schedule?: string;
  /**
   * `auditLog: 'stream'`: the function consumes the access log's DynamoDB stream (no
   * schedule) and is the only writer of the Object Lock archive.
   */
  access: Omit<RouteAccess, 'auditLog'> & { auditLog?: 'read' | 'seal' | 'stream' };
  summary: string;
}

export const jobs: Record<string, JobDef> = {
  sealAuditLog: {
    handler: 'functions/audit/seal.ts',
    schedule: 'rate(5 minutes)',
    access: { auditLog: 'seal', signingKey: 'sign' },
    summary: 'Seal every complete hour of the access log into the signed digest chain',
  },
  archiveAuditLog: {
    handler: 'functions/audit/archive.ts',
    access: { auditLog: 'stream' },
    summary:
      'Archive every access-log item write-once (S3 Object Lock) and alarm on changes and early removals',
  },
};

export const routeEntries = (): [RouteId, RouteDef][] =>
  Object.entries(routes).map(([id, def]): [RouteId, RouteDef] => [id as RouteId, def]);
