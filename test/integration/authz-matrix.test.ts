import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { noteAttachment } from '../../shared/fhir/clinical-examples.ts';
import { type ClinicalType, clinicalDefinitions } from '../../shared/resources/clinical.ts';
import {
  type ClinicalRouteId,
  type RouteDef,
  type RouteId,
  routeEntries,
  routes,
} from '../../shared/routes.ts';
import { api, field, token } from '../support/api.ts';
import { createResource, visitRecord } from '../support/clinical.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  idOf,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/**
 * The authorization matrix, generated from the route table: every route x every role x
 * the caller's own record / someone else's record in the same organization / a record of
 * another organization. A route the table gains without a row here fails the first test.
 *
 * Writes are probed without changing anything: they carry a stale If-Match (or book a
 * taken slot), so an allowed caller gets 412 (or 409) and a refused one 403/404/422.
 */
type Caller = 'patient' | 'clinician' | 'compliance' | 'admin';
type Target = 'own' | 'other' | 'foreign';
/** A status, or `status:n` for a search that must answer with exactly n entries. */
type Expected = number | `200:${number}`;

interface OrgFixture {
  org: string;
  tokens: Record<Caller, string>;
  /** The clinician's own practitioner, and another one. */
  practitioner: string;
  otherPractitioner: string;
  practitionerFamily: string;
  /** The patient user's own record (the clinician is its general practitioner), and someone else's. */
  patient: string;
  otherPatient: string;
  appointment: string;
  otherAppointment: string;
  /** An AuditEvent of this organization, and the sub of an agent with events. */
  auditEvent: string;
  agent: string;
  slot: { start: number; end: number };
  otherSlot: { start: number; end: number };
  /** One record of each clinical type in each patient's compartment. */
  clinical: Record<ClinicalType, { own: string; other: string }>;
  /** One Binary of each patient. */
  binary: { own: string; other: string };
}

interface Probe {
  method?: string;
  path: string;
  body?: unknown;
  /** An application/x-www-form-urlencoded body (POST /<type>/_search). */
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/** The record a probe names: of the caller's organization (own, other) or of another (foreign). */
interface Resolved {
  target: Target;
  org: OrgFixture;
  patient: string;
  appointment: string;
  /** The target's record of a clinical type. */
  record: (type: ClinicalType) => string;
}

interface Row {
  probe: (t: Resolved) => Probe;
  expected: Record<Caller, Partial<Record<Target, Expected>>>;
}

const all = (expected: Expected): Partial<Record<Target, Expected>> => ({
  own: expected,
  other: expected,
  foreign: expected,
});
const stale = { 'if-match': 'W/"999"' };
const FORM = 'application/x-www-form-urlencoded';
const patch = { 'content-type': 'application/json-patch+json', 'if-match': 'W/"999"' };
const pick = (target: Target, own: string, other: string) => (target === 'other' ? other : own);

function resolve(target: Target, a: OrgFixture, b: OrgFixture): Resolved {
  const org = target === 'foreign' ? b : a;
  return {
    target,
    org,
    patient: pick(target, org.patient, org.otherPatient),
    appointment: pick(target, org.appointment, org.otherAppointment),
    record: (type) => pick(target, org.clinical[type].own, org.clinical[type].other),
  };
}

const TARGETS: readonly Target[] = ['own', 'other', 'foreign'];
const CALLERS: readonly Caller[] = ['patient', 'clinician', 'compliance', 'admin'];

const WHEN = '2026-11-20T09:30:00Z';
const bodyOf = (type: ClinicalType, t: Resolved, practitioner: string) =>
  visitRecord({ patient: t.patient, practitioner }, WHEN)[type];

/** Reads of a record in a compartment: the patient's own, the clinician's patient's, an admin's organization's. */
const readsOfRecord = {
  patient: { own: 200, other: 404, foreign: 404 },
  clinician: { own: 200, other: 404, foreign: 404 },
  compliance: all(403),
  admin: { own: 200, other: 200, foreign: 404 },
} as const;
/** Changes with a stale If-Match: allowed callers get 412 and nothing changes. */
const staleChangesOfRecord = {
  patient: all(403),
  clinician: { own: 412, other: 404, foreign: 404 },
  compliance: all(403),
  admin: { own: 412, other: 412, foreign: 404 },
} as const;
const searchOfRecord = {
  patient: { own: '200:1', other: '200:0', foreign: '200:0' },
  clinician: { own: '200:1', other: '200:0', foreign: '200:0' },
  compliance: all(403),
  admin: { own: '200:1', other: '200:1', foreign: '200:0' },
} as const;

/** The nine routes of a clinical type: the same rules for each, the Patient compartment's. */
function clinicalRows(type: ClinicalType): Record<ClinicalRouteId<ClinicalType>, Row> {
  const rows: Record<string, Row> = {
    [`create${type}`]: {
      // The other patient's record names the other practitioner: a CareTeam naming the clinician
      // would give her a care relationship with that patient for the rows after this one.
      probe: (t) => ({
        method: 'POST',
        path: `/${type}`,
        body: bodyOf(type, t, pick(t.target, t.org.practitioner, t.org.otherPractitioner)),
      }),
      expected: {
        patient: all(403),
        clinician: { own: 201, other: 422, foreign: 422 },
        compliance: all(403),
        admin: { own: 201, other: 201, foreign: 422 },
      },
    },
    [`search${type}`]: {
      probe: (t) => ({ path: `/${type}?_id=${t.record(type)}` }),
      expected: searchOfRecord,
    },
    [`search${type}Post`]: {
      probe: (t) => ({ method: 'POST', path: `/${type}/_search`, form: { _id: t.record(type) } }),
      expected: searchOfRecord,
    },
    [`read${type}`]: { probe: (t) => ({ path: `/${type}/${t.record(type)}` }), expected: readsOfRecord },
    [`history${type}`]: {
      probe: (t) => ({ path: `/${type}/${t.record(type)}/_history` }),
      expected: readsOfRecord,
    },
    [`vread${type}`]: {
      probe: (t) => ({ path: `/${type}/${t.record(type)}/_history/1` }),
      expected: readsOfRecord,
    },
    [`update${type}`]: {
      probe: (t) => ({
        method: 'PUT',
        path: `/${type}/${t.record(type)}`,
        body: {
          ...bodyOf(type, t, pick(t.target, t.org.practitioner, t.org.otherPractitioner)),
          id: t.record(type),
        },
        headers: stale,
      }),
      expected: staleChangesOfRecord,
    },
    [`patch${type}`]: {
      probe: (t) => ({
        method: 'PATCH',
        path: `/${type}/${t.record(type)}`,
        body: [{ op: 'add', path: '/language', value: 'en' }],
        headers: patch,
      }),
      expected: staleChangesOfRecord,
    },
    [`delete${type}`]: {
      probe: (t) => ({ method: 'DELETE', path: `/${type}/${t.record(type)}`, headers: stale }),
      expected: staleChangesOfRecord,
    },
  };
  return rows as Record<ClinicalRouteId<ClinicalType>, Row>;
}

const clinicalMatrix = Object.assign(
  {},
  ...clinicalDefinitions.map((definition) => clinicalRows(definition.resourceType)),
) as Record<ClinicalRouteId<ClinicalType>, Row>;

const matrix: Record<RouteId, Row | 'public'> = {
  ...clinicalMatrix,
  metadata: 'public',
  health: 'public',
  createBinary: {
    probe: (t) => ({
      method: 'POST',
      path: '/Binary',
      body: noteAttachment({ patient: t.patient, practitioner: t.org.practitioner }),
    }),
    expected: {
      patient: all(403),
      clinician: { own: 201, other: 422, foreign: 422 },
      compliance: all(403),
      admin: { own: 201, other: 201, foreign: 422 },
    },
  },
  readBinary: {
    probe: (t) => ({ path: `/Binary/${pick(t.target, t.org.binary.own, t.org.binary.other)}` }),
    expected: readsOfRecord,
  },
  openApi: 'public',
  // Open to every role: each entry is then authorized by its own route (dx-batch.test.ts).
  batch: {
    probe: (t) => ({
      method: 'POST',
      path: '/',
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: `Patient/${t.patient}` } }],
      },
    }),
    expected: { patient: all(200), clinician: all(200), compliance: all(200), admin: all(200) },
  },
  createPatient: {
    probe: () => ({ method: 'POST', path: '/Patient', body: { resourceType: 'Patient', gender: 'unknown' } }),
    expected: {
      patient: { own: 403 },
      clinician: { own: 201 },
      compliance: { own: 403 },
      admin: { own: 201 },
    },
  },
  searchPatients: {
    probe: (t) => ({ path: `/Patient?_id=${t.patient}` }),
    expected: {
      patient: { own: '200:1', other: '200:0', foreign: '200:0' },
      clinician: { own: '200:1', other: '200:0', foreign: '200:0' },
      compliance: all(403),
      admin: { own: '200:1', other: '200:1', foreign: '200:0' },
    },
  },
  // The same search by POST, its parameters in a form body: exactly the GET row's answers.
  searchPatientsPost: {
    probe: (t) => ({ method: 'POST', path: '/Patient/_search', form: { _id: t.patient } }),
    expected: {
      patient: { own: '200:1', other: '200:0', foreign: '200:0' },
      clinician: { own: '200:1', other: '200:0', foreign: '200:0' },
      compliance: all(403),
      admin: { own: '200:1', other: '200:1', foreign: '200:0' },
    },
  },
  readPatient: {
    probe: (t) => ({ path: `/Patient/${t.patient}` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
  updatePatient: {
    probe: (t) => ({
      method: 'PUT',
      path: `/Patient/${t.patient}`,
      body: { resourceType: 'Patient', id: t.patient },
      headers: stale,
    }),
    expected: {
      patient: all(403),
      clinician: { own: 412, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 412, other: 412, foreign: 404 },
    },
  },
  patchPatient: {
    probe: (t) => ({
      method: 'PATCH',
      path: `/Patient/${t.patient}`,
      body: [{ op: 'remove', path: '/gender' }],
      headers: patch,
    }),
    expected: {
      patient: all(403),
      clinician: { own: 412, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 412, other: 412, foreign: 404 },
    },
  },
  deletePatient: {
    probe: (t) => ({ method: 'DELETE', path: `/Patient/${t.patient}`, headers: stale }),
    expected: {
      patient: all(403),
      clinician: { own: 412, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 412, other: 412, foreign: 404 },
    },
  },
  patientHistory: {
    probe: (t) => ({ path: `/Patient/${t.patient}/_history` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
  patientEverything: {
    probe: (t) => ({ path: `/Patient/${t.patient}/$everything` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
  readPatientVersion: {
    probe: (t) => ({ path: `/Patient/${t.patient}/_history/1` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
  createPractitioner: {
    probe: () => ({ method: 'POST', path: '/Practitioner', body: practitionerBody('Matrix') }),
    expected: {
      patient: { own: 403 },
      clinician: { own: 403 },
      compliance: { own: 403 },
      admin: { own: 201 },
    },
  },
  searchPractitioners: {
    probe: (t) => ({ path: `/Practitioner?name=${t.org.practitionerFamily}` }),
    expected: {
      patient: { own: '200:1', foreign: '200:0' },
      clinician: { own: '200:1', foreign: '200:0' },
      compliance: { own: '200:1', foreign: '200:0' },
      admin: { own: '200:1', foreign: '200:0' },
    },
  },
  // The same search by POST, its parameters in a form body: exactly the GET row's answers.
  searchPractitionersPost: {
    probe: (t) => ({
      method: 'POST',
      path: '/Practitioner/_search',
      form: { name: t.org.practitionerFamily },
    }),
    expected: {
      patient: { own: '200:1', foreign: '200:0' },
      clinician: { own: '200:1', foreign: '200:0' },
      compliance: { own: '200:1', foreign: '200:0' },
      admin: { own: '200:1', foreign: '200:0' },
    },
  },
  readPractitioner: {
    probe: (t) => ({ path: `/Practitioner/${t.org.practitioner}` }),
    expected: {
      patient: { own: 200, foreign: 404 },
      clinician: { own: 200, foreign: 404 },
      compliance: { own: 200, foreign: 404 },
      admin: { own: 200, foreign: 404 },
    },
  },
  practitionerAvailability: {
    probe: (t) => ({
      path: `/Practitioner/${t.org.practitioner}/$availability?start=${encodeURIComponent(new Date(t.org.slot.start).toISOString())}&end=${encodeURIComponent(new Date(t.org.slot.start + 24 * HOUR).toISOString())}`,
    }),
    expected: {
      patient: { own: 200, foreign: 404 },
      clinician: { own: 200, foreign: 404 },
      compliance: { own: 403, foreign: 403 },
      admin: { own: 200, foreign: 404 },
    },
  },
  createAppointment: {
    // The slot is taken, so an allowed booking meets the clash (409) and changes nothing.
    probe: (t) => {
      const practitioner = pick(t.target, t.org.practitioner, t.org.otherPractitioner);
      const slot = t.target === 'other' ? t.org.otherSlot : t.org.slot;
      return {
        method: 'POST',
        path: '/Appointment',
        body: appointmentBody(t.patient, practitioner, slot.start, slot.end),
      };
    },
    expected: {
      patient: { own: 409, other: 403, foreign: 403 },
      clinician: { own: 409, other: 422, foreign: 422 },
      compliance: all(403),
      admin: { own: 409, other: 409, foreign: 422 },
    },
  },
  searchAppointments: {
    probe: (t) => ({ path: `/Appointment?patient=${t.patient}` }),
    expected: {
      patient: { own: '200:1', other: '200:0', foreign: '200:0' },
      clinician: { own: '200:1', other: '200:0', foreign: '200:0' },
      compliance: all(403),
      admin: { own: '200:1', other: '200:1', foreign: '200:0' },
    },
  },
  // The same search by POST, its parameters in a form body: exactly the GET row's answers.
  searchAppointmentsPost: {
    probe: (t) => ({ method: 'POST', path: '/Appointment/_search', form: { patient: t.patient } }),
    expected: {
      patient: { own: '200:1', other: '200:0', foreign: '200:0' },
      clinician: { own: '200:1', other: '200:0', foreign: '200:0' },
      compliance: all(403),
      admin: { own: '200:1', other: '200:1', foreign: '200:0' },
    },
  },
  readAppointment: {
    probe: (t) => ({ path: `/Appointment/${t.appointment}` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
  updateAppointment: {
    probe: (t) => ({
      method: 'PUT',
      path: `/Appointment/${t.appointment}`,
      body: {
        ...appointmentBody(
          t.patient,
          pick(t.target, t.org.practitioner, t.org.otherPractitioner),
          t.target === 'other' ? t.org.otherSlot.start : t.org.slot.start,
          t.target === 'other' ? t.org.otherSlot.end : t.org.slot.end,
        ),
        id: t.appointment,
        status: 'arrived',
      },
      headers: stale,
    }),
    expected: {
      patient: { own: 412, other: 404, foreign: 404 },
      clinician: { own: 412, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 412, other: 412, foreign: 404 },
    },
  },
  patchAppointment: {
    probe: (t) => ({
      method: 'PATCH',
      path: `/Appointment/${t.appointment}`,
      body: [{ op: 'replace', path: '/status', value: 'arrived' }],
      headers: patch,
    }),
    expected: {
      patient: { own: 412, other: 404, foreign: 404 },
      clinician: { own: 412, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 412, other: 412, foreign: 404 },
    },
  },
  searchAuditEvents: {
    probe: (t) => ({ path: `/AuditEvent?agent=${t.org.agent}&_count=1` }),
    expected: {
      patient: all(403),
      clinician: all(403),
      compliance: { own: '200:1', foreign: '200:0' },
      admin: all(403),
    },
  },
  // The same search by POST, its parameters in a form body: exactly the GET row's answers.
  searchAuditEventsPost: {
    probe: (t) => ({
      method: 'POST',
      path: '/AuditEvent/_search',
      form: { agent: t.org.agent, _count: '1' },
    }),
    expected: {
      patient: all(403),
      clinician: all(403),
      compliance: { own: '200:1', foreign: '200:0' },
      admin: all(403),
    },
  },
  verifyAuditLog: {
    probe: () => ({ path: '/AuditEvent/$verify?from=2001-01-01T00:00:00Z&to=2001-01-01T00:59:59Z' }),
    expected: {
      patient: { own: 403 },
      clinician: { own: 403 },
      compliance: { own: 200 },
      admin: { own: 403 },
    },
  },
  readAuditEvent: {
    probe: (t) => ({ path: `/AuditEvent/${t.org.auditEvent}` }),
    expected: {
      patient: { own: 403, foreign: 403 },
      clinician: { own: 403, foreign: 403 },
      compliance: { own: 200, foreign: 404 },
      admin: { own: 403, foreign: 403 },
    },
  },
  patientAccessReport: {
    probe: (t) => ({ path: `/Patient/${t.patient}/$access-report` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: all(403),
      compliance: all(403),
      admin: all(403),
    },
  },
  appointmentHistory: {
    probe: (t) => ({ path: `/Appointment/${t.appointment}/_history` }),
    expected: {
      patient: { own: 200, other: 404, foreign: 404 },
      clinician: { own: 200, other: 404, foreign: 404 },
      compliance: all(403),
      admin: { own: 200, other: 200, foreign: 404 },
    },
  },
};

async function orgFixture(slotDay: number): Promise<OrgFixture> {
  const org = `org-mx-${randomUUID().slice(0, 6)}`;
  const admin = await token({ role: 'admin', org, sub: `admin-${org}` });
  const hours = [workingHours(EVERY_DAY, '00:00:00', '23:55:00', 'UTC')];
  const practitionerFamily = `Matrixdoc${randomUUID().slice(0, 4)}`;
  const practitioner = await createPractitioner(admin, practitionerBody(practitionerFamily, hours));
  const otherPractitioner = await createPractitioner(
    admin,
    practitionerBody(`Otherdoc${randomUUID().slice(0, 4)}`, hours),
  );
  const createPatient = async (gp?: string) =>
    idOf(
      await api('/Patient', {
        token: admin,
        body: {
          resourceType: 'Patient',
          ...(gp ? { generalPractitioner: [{ reference: `Practitioner/${gp}` }] } : {}),
        },
      }),
    );
  const patient = await createPatient(practitioner);
  const otherPatient = await createPatient();
  const slot = { start: utcDay(slotDay) + 9 * HOUR, end: utcDay(slotDay) + 9 * HOUR + 30 * 60_000 };
  const otherSlot = { start: slot.start + 2 * HOUR, end: slot.end + 2 * HOUR };
  const book = async (p: string, pr: string, s: { start: number; end: number }) => {
    const response = await api('/Appointment', {
      token: admin,
      body: appointmentBody(p, pr, s.start, s.end),
    });
    expect(response.status, response.text).toBe(201);
    return idOf(response);
  };
  const clinical = Object.fromEntries(
    await Promise.all(
      clinicalDefinitions.map(async ({ resourceType }) => {
        const record = async (p: string, pr: string) =>
          createResource(admin, visitRecord({ patient: p, practitioner: pr }, WHEN)[resourceType]);
        return [
          resourceType,
          { own: await record(patient, practitioner), other: await record(otherPatient, otherPractitioner) },
        ];
      }),
    ),
  ) as OrgFixture['clinical'];
  const binary = {
    own: await createResource(admin, noteAttachment({ patient, practitioner })),
    other: await createResource(
      admin,
      noteAttachment({ patient: otherPatient, practitioner: otherPractitioner }),
    ),
  };
  const compliance = await token({ role: 'compliance', org, sub: `co-${org}` });
  const now = Date.now();
  const events = await api(
    `/AuditEvent?agent=admin-${org}&date=ge${new Date(now - HOUR).toISOString()}&date=le${new Date(now + HOUR).toISOString()}&_count=1`,
    { token: compliance },
  );
  const auditEvent = field(events.json, 'entry', 0, 'resource', 'id');
  if (typeof auditEvent !== 'string') throw new Error(`no AuditEvent found: ${events.text}`);
  return {
    org,
    auditEvent,
    agent: `admin-${org}`,
    practitioner,
    otherPractitioner,
    practitionerFamily,
    patient,
    otherPatient,
    appointment: await book(patient, practitioner, slot),
    otherAppointment: await book(otherPatient, otherPractitioner, otherSlot),
    slot,
    otherSlot,
    clinical,
    binary,
    tokens: {
      admin,
      patient: await token({ role: 'patient', org, sub: `pt-${org}`, patientId: patient }),
      clinician: await token({ role: 'clinician', org, sub: `dr-${org}`, practitionerId: practitioner }),
      compliance,
    },
  };
}

let a: OrgFixture;
let b: OrgFixture;
beforeAll(async () => {
  [a, b] = await Promise.all([orgFixture(3), orgFixture(4)]);
}, 120_000);

describe('the authorization matrix', () => {
  it('has a row for every route of the route table', () => {
    const missing = routeEntries()
      .map(([id]) => id)
      .filter((id) => !(id in matrix));
    expect(missing).toEqual([]);
  });

  /** Every probe, for the audit completeness check at the end. */
  const probes: { route: RouteId; sub: string; status: number; requestId: string }[] = [];

  for (const [id, row] of Object.entries(matrix)) {
    if (row === 'public') continue;
    it(`${id}: every role gets exactly what the policy gives it, in its own and another organization`, async () => {
      const route = routeEntries().find(([routeId]) => routeId === id)?.[0];
      if (!route) throw new Error(`${id} is not in the route table`);
      // The probes of a row change nothing another probe of it reads: they run at once.
      const cells = CALLERS.flatMap((caller) =>
        TARGETS.flatMap((target) => {
          const expected = row.expected[caller][target];
          return expected === undefined ? [] : [{ caller, target, expected }];
        }),
      );
      const answers = await Promise.all(
        cells.map(async ({ caller, target, expected }) => {
          const probe = row.probe(resolve(target, a, b));
          const bearer = a.tokens[caller];
          const response = await api(probe.path, {
            method: probe.method ?? (probe.body === undefined ? 'GET' : 'POST'),
            token: bearer,
            ...(probe.body !== undefined
              ? probe.method === 'PATCH'
                ? { rawBody: JSON.stringify(probe.body) }
                : { body: probe.body }
              : {}),
            ...(probe.form ? { rawBody: new URLSearchParams(probe.form).toString() } : {}),
            ...(probe.headers ? { headers: probe.headers } : {}),
            ...(probe.form ? { headers: { ...probe.headers, 'content-type': FORM } } : {}),
          });
          const entries = field(response.json, 'entry');
          const got =
            typeof expected === 'string'
              ? `${response.status}:${Array.isArray(entries) ? entries.length : 0}`
              : String(response.status);
          probes.push({
            route,
            sub: subOf(caller, a),
            status: response.status,
            requestId: response.headers.get('x-request-id') ?? '',
          });
          return { seen: `${caller}/${target}=${got}`, wanted: `${caller}/${target}=${expected}` };
        }),
      );
      const seen = answers.map((answer) => answer.seen);
      const wanted = answers.map((answer) => answer.wanted);
      expect(seen).toEqual(wanted);
    });
  }

  it("left exactly one AuditEvent per probe, with the caller, the route's action and the outcome of its status", async () => {
    expect(probes.length).toBeGreaterThan(100);
    const byRequest = new Map<string, unknown[]>();
    for (const { event } of await orgAuditEvents(a.org)) {
      const extensions = field(event, 'extension');
      const requestId = (Array.isArray(extensions) ? extensions : []).find(
        (extension) => field(extension, 'url') === 'https://fhir-records.dev/StructureDefinition/request-id',
      );
      const key = String(field(requestId, 'valueString'));
      byRequest.set(key, [...(byRequest.get(key) ?? []), event]);
    }
    const problems: string[] = [];
    for (const probe of probes) {
      const events = byRequest.get(probe.requestId) ?? [];
      const [event] = events;
      const label = `${probe.route} ${probe.sub} ${probe.status}`;
      if (events.length !== 1) {
        problems.push(`${label}: ${events.length} AuditEvents`);
        continue;
      }
      const outcome = probe.status < 400 ? '0' : probe.status < 500 ? '4' : '8';
      if (field(event, 'outcome') !== outcome)
        problems.push(`${label}: outcome ${String(field(event, 'outcome'))}`);
      const def: RouteDef = routes[probe.route];
      if (field(event, 'action') !== def.audit) problems.push(`${label}: action`);
      if (field(event, 'agent', 0, 'who', 'identifier', 'value') !== probe.sub)
        problems.push(`${label}: agent`);
    }
    expect(problems).toEqual([]);
  });
});

function subOf(caller: Caller, org: OrgFixture): string {
  return {
    admin: `admin-${org.org}`,
    patient: `pt-${org.org}`,
    clinician: `dr-${org.org}`,
    compliance: `co-${org.org}`,
  }[caller];
}
