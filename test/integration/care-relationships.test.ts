import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { careLinkSk } from '../../shared/store/keys.ts';
import { api, token } from '../support/api.ts';
import { localDynamo, orgRecordItems, putRecordItem, type RawItem } from '../support/dynamo.ts';
import { createPatient, entryIds, newOrg, phiPatient, testPhi } from '../support/patients.ts';
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
 * A care relationship rests on a recorded basis and ends with it: a cancelled appointment
 * grants nothing, a past one grants access for CARE_ACCESS_DAYS_AFTER_VISIT (30) days after
 * its end, a registration for as long after the registration.
 */
const org = newOrg();
const DAY = 24 * HOUR;
const day = utcDay(22);

let admin: string;

const cancel = (id: string, version = 1) =>
  api(`/Appointment/${id}`, {
    method: 'PATCH',
    token: admin,
    headers: { 'content-type': 'application/json-patch+json', 'if-match': `W/"${version}"` },
    rawBody: JSON.stringify([
      { op: 'replace', path: '/status', value: 'cancelled' },
      { op: 'add', path: '/cancelationReason', value: { text: 'schedule change' } },
    ]),
  });

const careLinksOf = async (practitionerId: string): Promise<RawItem[]> =>
  (await orgRecordItems(org)).filter((item) => item.pk === `${org}#care#${practitionerId}`);

/**
 * Time passing, as the store would see it: a visit cannot be booked in the past, so each of
 * the practitioner's care links is rewritten as if its basis had ended `daysAgo` days ago.
 */
async function endCareLinks(practitionerId: string, daysAgo: number): Promise<void> {
  const { client, tables } = localDynamo();
  const end = new Date(Date.now() - daysAgo * DAY).toISOString();
  for (const link of await careLinksOf(practitionerId)) {
    const [patientId = '', , basis, basisId = ''] = String(link.sk).split('#');
    if (basis !== 'appointment' && basis !== 'registration') throw new Error(`care link basis ${basis}`);
    await client.send(new DeleteCommand({ TableName: tables.records, Key: { pk: link.pk, sk: link.sk } }));
    await putRecordItem({ ...link, sk: careLinkSk(patientId, end, basis, basisId), end });
  }
}

async function clinicianWithPractitioner(name: string): Promise<{ practitionerId: string; bearer: string }> {
  const hours = [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')];
  const practitionerId = await createPractitioner(admin, practitionerBody(name, hours));
  const bearer = await token({ role: 'clinician', org, sub: `care-${practitionerId}`, practitionerId });
  return { practitionerId, bearer };
}

const readStatus = async (patientId: string, bearer: string) =>
  (await api(`/Patient/${patientId}`, { token: bearer })).status;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'care-admin' });
});

describe('a care relationship ends with its basis', () => {
  it('cancelling the appointment ends the care relationship it created, in the same transaction', async () => {
    const { practitionerId, bearer } = await clinicianWithPractitioner('Cancelled');
    const patient = await createPatient(admin, phiPatient(testPhi()));
    const booked = await api('/Appointment', {
      token: admin,
      body: appointmentBody(patient, practitionerId, day + 9 * HOUR, day + 10 * HOUR),
    });
    expect(booked.status, booked.text).toBe(201);
    expect(await readStatus(patient, bearer)).toBe(200);
    expect(await careLinksOf(practitionerId)).toHaveLength(1);

    const cancelled = await cancel(idOf(booked));
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(await careLinksOf(practitionerId)).toEqual([]);
    expect(await readStatus(patient, bearer)).toBe(404);
    expect((await api(`/Patient/${patient}/_history`, { token: bearer })).status).toBe(404);
  });

  it('each appointment with the practitioner counts: access lasts until the last one is cancelled', async () => {
    const { practitionerId, bearer } = await clinicianWithPractitioner('Twice');
    const patient = await createPatient(admin, phiPatient(testPhi()));
    const first = await api('/Appointment', {
      token: admin,
      body: appointmentBody(patient, practitionerId, day + 9 * HOUR, day + 10 * HOUR),
    });
    const second = await api('/Appointment', {
      token: admin,
      body: appointmentBody(patient, practitionerId, day + DAY + 9 * HOUR, day + DAY + 10 * HOUR),
    });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await cancel(idOf(second))).status).toBe(200);
    expect(await readStatus(patient, bearer)).toBe(200);
    expect((await cancel(idOf(first))).status).toBe(200);
    expect(await readStatus(patient, bearer)).toBe(404);
  });

  it('a past appointment grants access for 30 days after its end, and nothing after', async () => {
    const { practitionerId, bearer } = await clinicianWithPractitioner('Past');
    const patient = await createPatient(admin, phiPatient(testPhi()));
    const booked = await api('/Appointment', {
      token: admin,
      body: appointmentBody(patient, practitionerId, day + 11 * HOUR, day + 12 * HOUR),
    });
    expect(booked.status, booked.text).toBe(201);
    await endCareLinks(practitionerId, 29);
    expect(await readStatus(patient, bearer)).toBe(200);
    await endCareLinks(practitionerId, 31);
    expect(await readStatus(patient, bearer)).toBe(404);
    expect(entryIds(await api(`/Patient?_id=${patient}`, { token: bearer }))).toEqual([]);
    // The appointment itself stays visible to its practitioner: it is their schedule.
    expect((await api(`/Appointment/${idOf(booked)}`, { token: bearer })).status).toBe(200);
  });

  it('registering a patient gives the clinician access for the same period, not for ever', async () => {
    const { practitionerId, bearer } = await clinicianWithPractitioner('Registrar');
    const patient = await createPatient(bearer, phiPatient(testPhi()));
    expect(await readStatus(patient, bearer)).toBe(200);
    await endCareLinks(practitionerId, 29);
    expect(await readStatus(patient, bearer)).toBe(200);
    await endCareLinks(practitionerId, 31);
    expect(await readStatus(patient, bearer)).toBe(404);
  });

  it('a generalPractitioner reference grants access while it stands, whatever the care links', async () => {
    const { practitionerId, bearer } = await clinicianWithPractitioner('Family');
    const patient = await createPatient(
      admin,
      phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }] }),
    );
    expect(await careLinksOf(practitionerId)).toEqual([]);
    expect(await readStatus(patient, bearer)).toBe(200);
  });
});
