import { bloodPressure, heartRate } from '../shared/fhir/clinical-examples.ts';
import type { RouteId } from '../shared/routes.ts';

/**
 * The requests each measured route family is driven with, shared by the HTTP runs (sequential
 * and autocannon) and the warm-container runs, so both send the same work.
 */

export const ORG = 'org-bench';
export const ADMIN = { sub: 'bench-admin', role: 'admin', org: ORG } as const;
export const COMPLIANCE = { sub: 'bench-compliance', role: 'compliance', org: ORG } as const;
/** The family name every search-fixture patient shares: the search returns a full page. */
export const SEARCH_FAMILY = 'Benchmark';
export const PAGE = 10;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const VISIT_MS = 5 * 60_000;

export interface Fixture {
  /** Patients to read and update, round robin. */
  patientIds: string[];
  /** A patient with appointments and AuditEvents, for the participant searches. */
  searchPatientId: string;
  practitionerId: string;
  /** The booking patient of this fixture (bookings lock the patient's schedule too). */
  bookingPatientId: string;
  /** Bookings start at `bookingBase + n * bookingStepMs` (n counts up): never an overlap. */
  bookingBase: number;
  bookingStepMs: number;
  /** Vital-sign Observations to read, round robin (all of `vitalSignsPatientId`). */
  observationIds: string[];
  /** A patient with more vital-sign Observations than a page holds, for the Observation search. */
  vitalSignsPatientId: string;
  /** A patient with a visit's records of every clinical type, for `$everything`. */
  historyPatientId: string;
}

export interface Call {
  method: 'GET' | 'POST' | 'PUT';
  /** Route path as in the route table (`/Patient/{id}`). */
  resource: string;
  /** Concrete path with the query string. */
  path: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  headers: Record<string, string>;
  body?: string;
}

/** Per client (one autocannon connection, or the one sequential loop): what it last saw. */
export interface ClientState {
  patientId?: string;
}

export interface Workload {
  route: RouteId;
  /** Which principal calls it. */
  principal: typeof ADMIN | typeof COMPLIANCE;
  /** Expected status of a success. */
  status: number;
  next(state: ClientState): Call;
  onResponse?(state: ClientState, status: number, body: string): void;
}

const FAMILIES = ['Okafor', 'Lindqvist', 'Moreau', 'Tanaka', 'Novak', 'Haddad', 'Rossi', 'Kowalski', 'Silva'];
const GIVEN = ['Ada', 'Bram', 'Chiara', 'Dmitri', 'Elif', 'Femi', 'Greta', 'Hiro', 'Ines', 'Jonas', 'Kaja'];

/**
 * A patient record of a realistic size (~1.3 KB of JSON: names, identifiers, telecom, address).
 * `n` varies the values the way a registry's patients vary (names repeat, dates do not).
 */
export function patientBody(n: number, family?: string): Record<string, unknown> {
  const day = new Date(Date.UTC(1940, 0, 1) + ((n * 7919) % (70 * 365)) * DAY).toISOString().slice(0, 10);
  return {
    resourceType: 'Patient',
    identifier: [
      { system: 'urn:oid:2.16.840.1.113883.2.4.6.3', value: String(100_000_000 + n) },
      { system: 'https://clinic.example.org/mrn', value: `MRN-${n.toString(36).padStart(6, '0')}` },
    ],
    active: true,
    name: [
      {
        use: 'official',
        family: family ?? `${FAMILIES[n % FAMILIES.length]}-${Math.floor(n / FAMILIES.length)}`,
        given: [GIVEN[n % GIVEN.length] ?? 'Ada', GIVEN[(n * 3 + 1) % GIVEN.length] ?? 'Bram'],
      },
    ],
    telecom: [
      { system: 'phone', value: `+31 6 ${String(10_000_000 + n).slice(-8)}`, use: 'mobile' },
      { system: 'email', value: `patient${n}@mail.example.org`, use: 'home' },
    ],
    gender: n % 2 === 0 ? 'female' : 'male',
    birthDate: day,
    address: [
      {
        use: 'home',
        line: [`Prinsengracht ${(n % 900) + 1}`],
        city: 'Amsterdam',
        postalCode: `10${String(n % 100).padStart(2, '0')} AB`,
        country: 'NL',
      },
    ],
    communication: [
      {
        language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'nl-NL' }] },
        preferred: true,
      },
    ],
  };
}

export function practitionerBody(): Record<string, unknown> {
  return {
    resourceType: 'Practitioner',
    active: true,
    name: [{ family: 'Benchwell', given: ['Eva'], prefix: ['Dr.'] }],
    extension: [
      {
        url: 'https://fhir-records.dev/StructureDefinition/working-hours',
        extension: [
          ...['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((code) => ({
            url: 'daysOfWeek',
            valueCode: code,
          })),
          { url: 'availableStartTime', valueTime: '00:00:00' },
          { url: 'availableEndTime', valueTime: '23:55:00' },
          { url: 'timeZone', valueCode: 'UTC' },
        ],
      },
    ],
  };
}

const iso = (instant: number): string => new Date(instant).toISOString().replace('.000Z', 'Z');

export function appointmentBody(
  patientId: string,
  practitionerId: string,
  start: number,
): Record<string, unknown> {
  return {
    resourceType: 'Appointment',
    status: 'booked',
    description: 'Follow-up consultation',
    comment: 'Review of the lab results',
    reasonCode: [{ text: 'Follow-up' }],
    start: iso(start),
    end: iso(start + VISIT_MS),
    participant: [
      { actor: { reference: `Patient/${patientId}` }, status: 'accepted' },
      { actor: { reference: `Practitioner/${practitionerId}` }, status: 'accepted' },
    ],
  };
}

/**
 * The n-th vital sign of a visit: blood pressure and heart rate in turn, values varying as
 * readings do, taken by `practitionerId` at `effective`.
 */
export function vitalSignBody(
  n: number,
  patientId: string,
  practitionerId: string,
  effective: number,
): Record<string, unknown> {
  const refs = { patient: patientId, practitioner: practitionerId };
  const when = iso(effective);
  return n % 2 === 0
    ? bloodPressure(refs, when, 112 + (n % 30), 70 + (n % 15))
    : heartRate(refs, when, 58 + (n % 40));
}

/** UTC midnight `days` days from now. */
export const utcDay = (days: number): number => Math.floor(Date.now() / DAY) * DAY + days * DAY;

const JSON_HEADERS = { 'content-type': 'application/fhir+json' };

const withQuery = (path: string, query: Record<string, string>): string =>
  `${path}?${new URLSearchParams(query).toString()}`;

/** The measured route families, their requests and what a success looks like. */
export function workloads(fixture: Fixture): Workload[] {
  let patientCursor = 0;
  let created = 0;
  let booked = 0;
  let recorded = 0;
  let observationCursor = 0;
  const nextPatient = (): string => {
    const id = fixture.patientIds[patientCursor % fixture.patientIds.length] ?? '';
    patientCursor += 1;
    return id;
  };
  const byId = (id: string): Pick<Call, 'resource' | 'path' | 'pathParameters'> => ({
    resource: '/Patient/{id}',
    path: `/Patient/${id}`,
    pathParameters: { id },
  });
  /** Current version of each patient this process updates (the only writer of them). */
  const versions = new Map<string, number>();
  const versionIn = (body: string, pattern: RegExp): number | undefined => {
    const match = pattern.exec(body);
    return match?.[1] ? Number(match[1]) : undefined;
  };
  /** The n-th booking's start: visits of 5 minutes, packed into the working day (00:00-23:55 UTC). */
  const bookingStart = (): number => {
    const perDay = Math.floor((DAY - VISIT_MS) / fixture.bookingStepMs);
    const n = booked++;
    return fixture.bookingBase + Math.floor(n / perDay) * DAY + (n % perDay) * fixture.bookingStepMs;
  };
  const searchQuery = { family: SEARCH_FAMILY, _count: String(PAGE) };
  const appointmentQuery = { patient: fixture.searchPatientId, _count: String(PAGE) };
  const auditQuery = { patient: fixture.searchPatientId, _count: String(PAGE) };
  const vitalSignsQuery = {
    patient: fixture.vitalSignsPatientId,
    category: 'vital-signs',
    _count: String(PAGE),
  };
  const everythingQuery = { _count: String(PAGE) };
  const historyId = fixture.historyPatientId;
  return [
    {
      route: 'createPatient',
      principal: ADMIN,
      status: 201,
      next: () => ({
        method: 'POST',
        resource: '/Patient',
        path: '/Patient',
        headers: JSON_HEADERS,
        body: JSON.stringify(patientBody(1_000_000 + created++)),
      }),
    },
    {
      route: 'readPatient',
      principal: ADMIN,
      status: 200,
      next: () => ({ method: 'GET', headers: {}, ...byId(nextPatient()) }),
    },
    {
      route: 'updatePatient',
      principal: ADMIN,
      status: 200,
      next: (state) => {
        // Each client updates a patient of its own: no If-Match race between clients.
        state.patientId ??= nextPatient();
        const id = state.patientId;
        const version = versions.get(id) ?? 1;
        // Same names and dates as created: the search items stay, as in most real updates.
        return {
          method: 'PUT',
          headers: { ...JSON_HEADERS, 'if-match': `W/"${version}"` },
          body: JSON.stringify({
            ...patientBody(fixture.patientIds.indexOf(id), SEARCH_FAMILY),
            id,
            active: version % 2 === 0,
          }),
          ...byId(id),
        };
      },
      onResponse: (state, status, body) => {
        if (state.patientId === undefined) return;
        const version =
          status === 200 ? versionIn(body, /"versionId":"(\d+)"/) : versionIn(body, /is at version (\d+)/);
        if (version !== undefined) versions.set(state.patientId, version);
      },
    },
    {
      route: 'searchPatients',
      principal: ADMIN,
      status: 200,
      next: () => ({
        method: 'GET',
        resource: '/Patient',
        path: withQuery('/Patient', searchQuery),
        query: searchQuery,
        headers: {},
      }),
    },
    {
      route: 'createAppointment',
      principal: ADMIN,
      status: 201,
      next: () => ({
        method: 'POST',
        resource: '/Appointment',
        path: '/Appointment',
        headers: JSON_HEADERS,
        body: JSON.stringify(
          appointmentBody(fixture.bookingPatientId, fixture.practitionerId, bookingStart()),
        ),
      }),
    },
    {
      route: 'searchAppointments',
      principal: ADMIN,
      status: 200,
      next: () => ({
        method: 'GET',
        resource: '/Appointment',
        path: withQuery('/Appointment', appointmentQuery),
        query: appointmentQuery,
        headers: {},
      }),
    },
    {
      route: 'searchAuditEvents',
      principal: COMPLIANCE,
      status: 200,
      next: () => ({
        method: 'GET',
        resource: '/AuditEvent',
        path: withQuery('/AuditEvent', auditQuery),
        query: auditQuery,
        headers: {},
      }),
    },
    {
      route: 'createObservation',
      principal: ADMIN,
      status: 201,
      // Into the registry patients' records, round robin: never the searched partitions.
      next: () => {
        const n = recorded++;
        return {
          method: 'POST',
          resource: '/Observation',
          path: '/Observation',
          headers: JSON_HEADERS,
          body: JSON.stringify(vitalSignBody(n, nextPatient(), fixture.practitionerId, Date.now() - HOUR)),
        };
      },
    },
    {
      route: 'readObservation',
      principal: ADMIN,
      status: 200,
      next: () => {
        const id = fixture.observationIds[observationCursor++ % fixture.observationIds.length] ?? '';
        return {
          method: 'GET',
          resource: '/Observation/{id}',
          path: `/Observation/${id}`,
          pathParameters: { id },
          headers: {},
        };
      },
    },
    {
      route: 'searchObservation',
      principal: ADMIN,
      status: 200,
      next: () => ({
        method: 'GET',
        resource: '/Observation',
        path: withQuery('/Observation', vitalSignsQuery),
        query: vitalSignsQuery,
        headers: {},
      }),
    },
    {
      route: 'patientEverything',
      principal: ADMIN,
      status: 200,
      next: () => ({
        method: 'GET',
        resource: '/Patient/{id}/$everything',
        path: withQuery(`/Patient/${historyId}/$everything`, everythingQuery),
        pathParameters: { id: historyId },
        query: everythingQuery,
        headers: {},
      }),
    },
  ];
}
