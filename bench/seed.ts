import { mintToken } from '../infra/local/issuer.ts';
import { visitExamples } from '../shared/fhir/clinical-examples.ts';
import type { BenchGateway } from './gateway.ts';
import { CONTAINER_CLIENTS } from './settings.ts';
import {
  ADMIN,
  appointmentBody,
  COMPLIANCE,
  type Fixture,
  patientBody,
  practitionerBody,
  SEARCH_FAMILY,
  utcDay,
  vitalSignBody,
} from './workloads.ts';

const HOUR = 3_600_000;

export interface Seeded {
  tokens: { admin: string; compliance: string };
  /** For the HTTP runs, with an appointment to copy for the floors. */
  http: Fixture & { appointmentId: string };
  /** For the warm-container runs: its own practitioner and booking patient, so no booking overlaps. */
  container: Fixture;
}

async function post(gateway: BenchGateway, token: string, path: string, body: unknown): Promise<string> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/fhir+json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  const id = /"id":"([^"]+)"/.exec(text)?.[1];
  if (response.status !== 201 || !id)
    throw new Error(`seeding POST ${path} answered ${response.status}: ${text}`);
  return id;
}

async function get(gateway: BenchGateway, token: string, path: string): Promise<void> {
  const response = await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`seeding GET ${path} answered ${response.status}: ${text}`);
}

/** More vital signs than a page holds: the search reads past its page to decide `next`. */
const VITAL_SIGNS = 12;
/** Further readings of the history's visit, beyond its blood pressure. */
const EXTRA_READINGS = 2;

/**
 * What the runs need, created through the API as a client would: patients, practitioners,
 * appointments, vital signs, a visit's clinical records.
 */
export async function seed(gateway: BenchGateway, patients: number): Promise<Seeded> {
  const ttlSeconds = 60 * 60;
  const admin = await mintToken(gateway.keyDir, { ...ADMIN, ttlSeconds });
  const compliance = await mintToken(gateway.keyDir, { ...COMPLIANCE, ttlSeconds });
  const patientIds: string[] = [];
  for (let n = 0; n < patients; n++) {
    patientIds.push(await post(gateway, admin, '/Patient', patientBody(n, SEARCH_FAMILY)));
  }
  const searchPatientId = patientIds[0] ?? '';
  const [practitionerId, containerPractitionerId] = [
    await post(gateway, admin, '/Practitioner', practitionerBody()),
    await post(gateway, admin, '/Practitioner', practitionerBody()),
  ];
  const bookingPatientId = await post(gateway, admin, '/Patient', patientBody(patients + 1));
  const containerBookingPatientId = await post(gateway, admin, '/Patient', patientBody(patients + 2));
  // A container's updatePatient clients (one per invocation in flight) each take the next
  // patient: these, which the gateway runs never update, so a first If-Match of version 1 is
  // current. Their bodies are those the update workload sends back (by index in the list).
  const containerUpdatePatientIds: string[] = [];
  for (let n = 0; n < CONTAINER_CLIENTS; n++) {
    containerUpdatePatientIds.push(await post(gateway, admin, '/Patient', patientBody(n, SEARCH_FAMILY)));
  }
  // A page of appointments (and of AuditEvents) for the searched patient, at hh:30; the runs book at hh:00.
  let appointmentId = '';
  for (let n = 0; n < 12; n++) {
    const start = utcDay(2) + n * HOUR + 30 * 60_000;
    appointmentId = await post(
      gateway,
      admin,
      '/Appointment',
      appointmentBody(searchPatientId, practitionerId, start),
    );
  }
  // A patient's vital signs, one a day (blood pressure and heart rate in turn), for the
  // Observation read and search; their own patient, so no other run adds to the partition.
  const vitalSignsPatientId = await post(gateway, admin, '/Patient', patientBody(patients + 3));
  const observationIds: string[] = [];
  for (let n = 0; n < VITAL_SIGNS; n++) {
    const effective = utcDay(-1 - n) + 9 * HOUR;
    observationIds.push(
      await post(
        gateway,
        admin,
        '/Observation',
        vitalSignBody(n, vitalSignsPatientId, practitionerId, effective),
      ),
    );
  }
  // A patient's history for `$everything`: a past visit's record of every clinical type and
  // two more readings of it, so the first page runs through several types' partitions.
  const historyPatientId = await post(gateway, admin, '/Patient', patientBody(patients + 4));
  const visit = utcDay(-7) + 10 * HOUR;
  const refs = { patient: historyPatientId, practitioner: practitionerId };
  for (const body of Object.values(visitExamples(refs, new Date(visit).toISOString()))) {
    await post(gateway, admin, `/${body.resourceType}`, body);
  }
  for (let n = 1; n <= EXTRA_READINGS; n++) {
    await post(
      gateway,
      admin,
      '/Observation',
      vitalSignBody(n, historyPatientId, practitionerId, visit + n * 60_000),
    );
  }
  // One request of each read route leaves an AuditEvent of its kind for the floors to copy.
  await get(gateway, admin, `/Observation/${observationIds[0] ?? ''}`);
  await get(gateway, admin, `/Observation?patient=${vitalSignsPatientId}&category=vital-signs&_count=10`);
  await get(gateway, admin, `/Patient/${historyPatientId}/$everything?_count=10`);
  const clinical = { observationIds, vitalSignsPatientId, historyPatientId };
  return {
    tokens: { admin, compliance },
    http: {
      patientIds,
      searchPatientId,
      practitionerId,
      bookingPatientId,
      bookingBase: utcDay(2),
      bookingStepMs: HOUR,
      appointmentId,
      ...clinical,
    },
    container: {
      patientIds: [...containerUpdatePatientIds, ...patientIds.slice(CONTAINER_CLIENTS)],
      searchPatientId,
      practitionerId: containerPractitionerId,
      bookingPatientId: containerBookingPatientId,
      bookingBase: utcDay(1),
      bookingStepMs: 5 * 60_000,
      ...clinical,
    },
  };
}
