import { beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { tokenWithClaims } from '../support/claims.ts';
import { newOrg } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  idOf,
  MINUTE,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

const org = newOrg();
let patientId = '';
let compliance = '';

/** A patient user's token granted `scope`, as the SMART token endpoint issues it. */
const patientToken = (sub: string, scope: string) =>
  tokenWithClaims(sub, {
    'cognito:groups': ['patient'],
    'custom:org': org,
    'custom:patientId': patientId,
    scope,
    patient: patientId,
  });

beforeAll(async () => {
  const admin = await token({ role: 'admin', org, sub: `scopes-admin-${org}` });
  const created = await api('/Patient', {
    token: admin,
    body: { resourceType: 'Patient', name: [{ family: 'Scoped', given: ['Sam'] }] },
  });
  expect(created.status).toBe(201);
  patientId = String(field(created.json, 'id'));
  compliance = await token({ role: 'compliance', org, sub: `scopes-compliance-${org}` });
});

describe('SMART scopes on the routes', () => {
  it('patient/*.rs reads and searches, and a write is a 403 naming the scope, audited', async () => {
    const sub = `scopes-rs-${org}`;
    const bearer = await patientToken(sub, 'launch/patient openid patient/*.rs');
    expect((await api(`/Patient/${patientId}`, { token: bearer })).status).toBe(200);
    expect((await api(`/Appointment?patient=${patientId}`, { token: bearer })).status).toBe(200);
    const refused = await api('/Appointment', {
      token: bearer,
      body: { resourceType: 'Appointment', status: 'booked', participant: [] },
    });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("the token's scopes do not grant patient/Appointment.c");
    const events = await api(`/AuditEvent?agent=${sub}&_count=100`, { token: compliance });
    expect(events.status, events.text).toBe(200);
    const entries = (field(events.json, 'entry') ?? []) as { resource: unknown }[];
    const refusal = entries.map((entry) => entry.resource).find((event) => field(event, 'action') === 'C');
    expect(field(refusal, 'outcome')).toBe('4');
  });

  it('v1 patient/*.read grants what patient/*.rs grants', async () => {
    const bearer = await patientToken(`scopes-v1-${org}`, 'patient/*.read');
    expect((await api(`/Patient/${patientId}`, { token: bearer })).status).toBe(200);
    expect((await api(`/Appointment?patient=${patientId}`, { token: bearer })).status).toBe(200);
  });

  it('a type scope allows that type only', async () => {
    const bearer = await patientToken(`scopes-type-${org}`, 'patient/Appointment.s');
    expect((await api(`/Appointment?patient=${patientId}`, { token: bearer })).status).toBe(200);
    const read = await api(`/Patient/${patientId}`, { token: bearer });
    expect(read.status).toBe(403);
    expect(read.text).toContain('patient/Patient.r');
  });

  it('role limits win over broader scopes: a patient with patient/*.cruds still cannot delete a Patient', async () => {
    const bearer = await patientToken(`scopes-cruds-${org}`, 'patient/*.cruds');
    const deleted = await api(`/Patient/${patientId}`, { token: bearer, method: 'DELETE' });
    expect(deleted.status).toBe(403);
    expect((await api(`/Patient/${patientId}`, { token: bearer })).status).toBe(200);
  });
});

/**
 * Each scope kind allows exactly its interactions: a token granted one letter of `cruds` for a
 * type (or `*`) is tried at all five, on a role (admin) that may do all of them, so whatever
 * is refused is refused by the scope. Appointment has no DELETE route: its `d` is not tried.
 */
describe('each scope kind allows exactly its interactions', () => {
  const admin = () => token({ role: 'admin', org, sub: `matrix-admin-${org}` });
  let plain = '';
  let practitionerId = '';
  let appointmentId = '';
  let slot = 0;

  beforeAll(async () => {
    plain = await admin();
    const hours = [workingHours(EVERY_DAY, '00:00:00', '23:55:00', 'UTC')];
    practitionerId = await createPractitioner(plain, practitionerBody('Matrix', hours));
    appointmentId = idOf(await bookVisit(plain));
  });

  /** A fresh 15-minute visit of the patient, each in its own slot. */
  function bookVisit(bearer: string) {
    const start = utcDay(40) + slot++ * 15 * MINUTE;
    return api('/Appointment', {
      token: bearer,
      body: appointmentBody(patientId, practitionerId, start, start + 15 * MINUTE),
    });
  }

  const versionOf = async (path: string) =>
    String(field((await api(path, { token: plain })).json, 'meta', 'versionId'));

  const patch = async (path: string, bearer: string, operations: unknown[]) =>
    api(path, {
      method: 'PATCH',
      token: bearer,
      headers: { 'content-type': 'application/json-patch+json', 'if-match': `W/"${await versionOf(path)}"` },
      rawBody: JSON.stringify(operations),
    });

  type Attempts = Record<
    'c' | 'r' | 'u' | 'd' | 's',
    (bearer: string) => Promise<{ status: number; text: string }>
  >;

  const patientAttempts: Attempts = {
    c: (bearer) =>
      api('/Patient', { token: bearer, body: { resourceType: 'Patient', name: [{ family: 'Matrix' }] } }),
    r: (bearer) => api(`/Patient/${patientId}`, { token: bearer }),
    u: (bearer) => patch(`/Patient/${patientId}`, bearer, [{ op: 'add', path: '/gender', value: 'unknown' }]),
    d: async (bearer) => {
      const doomed = await api('/Patient', {
        token: plain,
        body: { resourceType: 'Patient', name: [{ family: 'Doomed' }] },
      });
      return api(`/Patient/${idOf(doomed)}`, { token: bearer, method: 'DELETE' });
    },
    s: (bearer) => api(`/Patient?_id=${patientId}`, { token: bearer }),
  };

  const appointmentAttempts: Partial<Attempts> = {
    c: (bearer) => bookVisit(bearer),
    r: (bearer) => api(`/Appointment/${appointmentId}`, { token: bearer }),
    u: (bearer) =>
      patch(`/Appointment/${appointmentId}`, bearer, [
        { op: 'replace', path: '/comment', value: `seen ${slot++}` },
      ]),
    s: (bearer) => api(`/Appointment?patient=${patientId}`, { token: bearer }),
  };

  /** The letters whose attempt succeeded; a refusal must be the 403 naming the missing scope. */
  async function allowed(bearer: string, attempts: Partial<Attempts>, scopeOf: (letter: string) => string) {
    const granted: string[] = [];
    for (const [letter, attempt] of Object.entries(attempts)) {
      const answer = await attempt(bearer);
      if (answer.status < 300) {
        granted.push(letter);
      } else {
        expect(answer.status, `${letter}: ${answer.text}`).toBe(403);
        expect(answer.text).toContain(`the token's scopes do not grant ${scopeOf(letter)}`);
      }
    }
    return granted.join('');
  }

  const adminWith = (scope: string, extra: Record<string, unknown> = {}) =>
    tokenWithClaims(`matrix-admin-${org}`, {
      'cognito:groups': ['admin'],
      'custom:org': org,
      scope,
      ...extra,
    });

  /** A backend service's token: the client is its own subject. */
  const backendWith = (scope: string) =>
    tokenWithClaims(`matrix-backend-${org}`, {
      'cognito:groups': ['admin'],
      'custom:org': org,
      scope,
      client_id: `matrix-backend-${org}`,
    });

  for (const letter of ['c', 'r', 'u', 'd', 's']) {
    it(`user/Patient.${letter} and user/*.${letter} allow ${letter} and nothing else`, async () => {
      expect(
        await allowed(await adminWith(`user/Patient.${letter}`), patientAttempts, (l) => `user/Patient.${l}`),
      ).toBe(letter);
      const wildcard = await adminWith(`user/*.${letter}`);
      expect(await allowed(wildcard, patientAttempts, (l) => `user/Patient.${l}`)).toBe(letter);
      expect(await allowed(wildcard, appointmentAttempts, (l) => `user/Appointment.${l}`)).toBe(
        letter === 'd' ? '' : letter,
      );
    });

    it(`system/Patient.${letter} and system/*.${letter} for a backend service allow ${letter} and nothing else`, async () => {
      expect(
        await allowed(
          await backendWith(`system/Patient.${letter}`),
          patientAttempts,
          (l) => `system/Patient.${l}`,
        ),
      ).toBe(letter);
      const wildcard = await backendWith(`system/*.${letter}`);
      expect(await allowed(wildcard, appointmentAttempts, (l) => `system/Appointment.${l}`)).toBe(
        letter === 'd' ? '' : letter,
      );
    });
  }

  it('patient/Appointment.<letter> in the patient context allows that letter only, on that patient', async () => {
    for (const letter of ['c', 'r', 'u', 's']) {
      const bearer = await adminWith(`launch/patient patient/Appointment.${letter}`, { patient: patientId });
      expect(await allowed(bearer, appointmentAttempts, (l) => `patient/Appointment.${l}`)).toBe(letter);
    }
    const everything = await adminWith('patient/*.cruds', { patient: patientId });
    expect(await allowed(everything, appointmentAttempts, () => '')).toBe('crus');
  });

  it('granular patient/Appointment.rs?status=booked filters the search and refuses a cancelled visit by name', async () => {
    const cancelled = idOf(await bookVisit(plain));
    const cancelling = await patch(`/Appointment/${cancelled}`, plain, [
      { op: 'replace', path: '/status', value: 'cancelled' },
      { op: 'add', path: '/cancelationReason', value: { text: 'schedule change' } },
    ]);
    expect(cancelling.status, cancelling.text).toBe(200);
    const bearer = await patientToken(
      `scopes-granular-${org}`,
      'launch/patient patient/Appointment.rs?status=booked',
    );
    const found = await api(`/Appointment?patient=${patientId}&_count=100`, { token: bearer });
    expect(found.status, found.text).toBe(200);
    const ids = ((field(found.json, 'entry') ?? []) as unknown[]).map((entry) =>
      field(entry, 'resource', 'id'),
    );
    expect(ids).toContain(appointmentId);
    expect(ids).not.toContain(cancelled);
    // Without the restriction the same patient sees both.
    const broad = await patientToken(`scopes-broad-${org}`, 'launch/patient patient/Appointment.rs');
    const all = await api(`/Appointment?patient=${patientId}&_count=100`, { token: broad });
    const allIds = ((field(all.json, 'entry') ?? []) as unknown[]).map((entry) =>
      field(entry, 'resource', 'id'),
    );
    expect(allIds).toEqual(expect.arrayContaining([appointmentId, cancelled]));
    expect((await api(`/Appointment/${appointmentId}`, { token: bearer })).status).toBe(200);
    const refused = await api(`/Appointment/${cancelled}`, { token: bearer });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('patient/Appointment.r only where status=booked');
  });

  it('a patient/ token cannot reach another patient, even where the role could', async () => {
    const otherId = idOf(
      await api('/Patient', { token: plain, body: { resourceType: 'Patient', name: [{ family: 'Other' }] } }),
    );
    const start = utcDay(41);
    const visit = await api('/Appointment', {
      token: plain,
      body: appointmentBody(otherId, practitionerId, start, start + 15 * MINUTE),
    });
    expect(visit.status, visit.text).toBe(201);
    const sub = `scopes-clinician-${org}`;
    const clinician = await token({ role: 'clinician', org, sub, practitionerId });
    // The clinician's role reaches both patients, through their visits with her.
    expect((await api(`/Patient/${otherId}`, { token: clinician })).status).toBe(200);
    const launched = await tokenWithClaims(sub, {
      'cognito:groups': ['clinician'],
      'custom:org': org,
      'custom:practitionerId': practitionerId,
      scope: 'launch/patient patient/*.rs',
      patient: patientId,
    });
    expect((await api(`/Patient/${patientId}`, { token: launched })).status).toBe(200);
    expect((await api(`/Patient/${otherId}`, { token: launched })).status).toBe(404);
    expect((await api(`/Appointment/${idOf(visit)}`, { token: launched })).status).toBe(404);
    const search = await api(`/Appointment?patient=${otherId}`, { token: launched });
    expect(search.status, search.text).toBe(200);
    expect(field(search.json, 'entry') ?? []).toEqual([]);
    const patients = await api('/Patient?_count=100', { token: launched });
    expect(patients.status, patients.text).toBe(200);
    const seen = ((field(patients.json, 'entry') ?? []) as unknown[]).map((entry) =>
      field(entry, 'resource', 'id'),
    );
    expect(seen).toEqual([patientId]);
    // Nor can it write a record into another patient's compartment.
    const later = utcDay(42);
    const booking = await tokenWithClaims(sub, {
      'cognito:groups': ['clinician'],
      'custom:org': org,
      'custom:practitionerId': practitionerId,
      scope: 'launch/patient patient/Appointment.c',
      patient: patientId,
    });
    const written = await api('/Appointment', {
      token: booking,
      body: appointmentBody(otherId, practitionerId, later, later + 15 * MINUTE),
    });
    expect(written.status, written.text).toBe(403);
    expect(written.text).toContain("reach only the launch patient's compartment");
  });

  it('v1 .write grants create, update and delete, not read', async () => {
    expect(
      await allowed(await adminWith('user/Patient.write'), patientAttempts, (l) => `user/Patient.${l}`),
    ).toBe('cud');
  });

  it('a user token without user/ scopes gets nothing from system/ scopes, and a backend nothing from user/', async () => {
    expect(
      await allowed(await adminWith('system/*.cruds'), patientAttempts, (l) => `user/Patient.${l}`),
    ).toBe('');
    expect(
      await allowed(await backendWith('user/*.cruds'), patientAttempts, (l) => `system/Patient.${l}`),
    ).toBe('');
  });
});
