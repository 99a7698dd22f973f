import { beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { tokenWithClaims } from '../support/claims.ts';
import { newOrg } from '../support/patients.ts';

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
