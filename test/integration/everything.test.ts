import { beforeAll, describe, expect, it } from 'vitest';
import { heartRate, hypertension } from '../../shared/fhir/clinical-examples.ts';
import { clinicalDefinitions } from '../../shared/resources/clinical.ts';
import { api, field, token } from '../support/api.ts';
import { createResource, visitRecord } from '../support/clinical.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, testPhi } from '../support/patients.ts';
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
 * `Patient/{id}/$everything`: exactly the patient and the records of their compartment the
 * caller may see, narrowed by care dates, `_since` and `_type`, paged, and audited as one access
 * to that patient.
 */
const org = newOrg();
let admin: string;
let clinician: string;
let patientUser: string;
let patientId: string;
let otherPatientId: string;
let practitionerId: string;
/** `Type/id` of every record of the patient, by the year of its care date ('undated' for none). */
const records: { reference: string; year: string }[] = [];
let appointment: string;
let midpoint: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'everything-admin' });
  const hours = [workingHours(EVERY_DAY, '00:00:00', '23:55:00', 'UTC')];
  practitionerId = await createPractitioner(admin, practitionerBody('Abernathy', hours));
  clinician = await token({ role: 'clinician', org, sub: 'everything-clinician', practitionerId });
  const ofClinician = { generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }] };
  patientId = await createPatient(admin, { ...phiPatient(testPhi()), ...ofClinician });
  otherPatientId = await createPatient(admin, { ...phiPatient(testPhi()), ...ofClinician });
  patientUser = await token({ role: 'patient', org, sub: 'everything-patient', patientId });
  const refs = { patient: patientId, practitioner: practitionerId };
  const add = async (body: Record<string, unknown>, year: string) => {
    const id = await createResource(clinician, body);
    records.push({ reference: `${String(body.resourceType)}/${id}`, year });
  };
  for (const body of Object.values(visitRecord(refs, '2025-03-10T09:30:00Z'))) await add(body, '2025');
  const last = records.at(-1)?.reference ?? '';
  midpoint = String(field((await api(`/${last}`, { token: clinician })).json, 'meta', 'lastUpdated'));
  await add(heartRate(refs, '2026-11-20T09:35:00Z'), '2026');
  // No onset and no recorded date: a record with no care date is in every date range.
  const { onsetDateTime: _onset, recordedDate: _recorded, ...undated } = hypertension(refs, '2026-01-01');
  await add(undated, 'undated');
  const slotStart = utcDay(3) + 9 * HOUR;
  const booked = await api('/Appointment', {
    token: admin,
    body: appointmentBody(patientId, practitionerId, slotStart, slotStart + HOUR / 2),
  });
  expect(booked.status, booked.text).toBe(201);
  appointment = `Appointment/${idOf(booked)}`;
  // The other patient's records, which must never appear.
  const otherRefs = { patient: otherPatientId, practitioner: practitionerId };
  await createResource(clinician, heartRate(otherRefs, '2026-11-20T09:35:00Z'));
  await createResource(clinician, visitRecord(otherRefs, '2025-03-10T09:30:00Z').Condition);
});

interface Page {
  references: string[];
  next: string | undefined;
}

async function everything(query: string, caller = clinician, id = patientId): Promise<Page> {
  const response = await api(`/Patient/${id}/$everything${query}`, { token: caller });
  expect(response.status, response.text).toBe(200);
  expect(field(response.json, 'type')).toBe('searchset');
  const entries = (field(response.json, 'entry') ?? []) as unknown[];
  const links = (field(response.json, 'link') ?? []) as { relation: string; url: string }[];
  return {
    references: entries.map(
      (entry) =>
        `${String(field(entry, 'resource', 'resourceType'))}/${String(field(entry, 'resource', 'id'))}`,
    ),
    next: links.find((link) => link.relation === 'next')?.url.replace(/^https?:\/\/[^/]+/, ''),
  };
}

/** Every page from `query` on, following `next` links. */
async function allPages(query: string, caller = clinician): Promise<string[][]> {
  const pages: string[][] = [];
  let page = await everything(query, caller);
  pages.push(page.references);
  while (page.next) {
    const response = await api(page.next, { token: caller });
    expect(response.status, response.text).toBe(200);
    const entries = (field(response.json, 'entry') ?? []) as unknown[];
    pages.push(
      entries.map(
        (entry) =>
          `${String(field(entry, 'resource', 'resourceType'))}/${String(field(entry, 'resource', 'id'))}`,
      ),
    );
    const links = (field(response.json, 'link') ?? []) as { relation: string; url: string }[];
    page = {
      references: [],
      next: links.find((link) => link.relation === 'next')?.url.replace(/^https?:\/\/[^/]+/, ''),
    };
    expect(pages.length).toBeLessThan(50);
  }
  return pages;
}

const sorted = (references: string[]) => [...references].sort();
const everyRecord = () => [`Patient/${patientId}`, ...records.map((record) => record.reference), appointment];

describe('Patient/$everything', () => {
  it('returns exactly the patient, every record of their compartment and their appointment, the patient first', async () => {
    const { references, next } = await everything('?_count=100');
    expect(next).toBeUndefined();
    expect(references[0]).toBe(`Patient/${patientId}`);
    expect(sorted(references)).toEqual(sorted(everyRecord()));
    // One of each clinical type, at least.
    const types = new Set(references.map((reference) => reference.split('/')[0]));
    for (const definition of clinicalDefinitions) expect(types).toContain(definition.resourceType);
  });

  it('pages with _count through every record once, across the types', async () => {
    const pages = await allPages('?_count=3');
    expect(pages.length).toBeGreaterThan(3);
    for (const page of pages.slice(0, -1)) expect(page.length).toBe(3);
    const all = pages.flat();
    expect(new Set(all).size).toBe(all.length);
    expect(sorted(all)).toEqual(sorted(everyRecord()));
  });

  it('a page that ends with the last type wanted has no next link', async () => {
    const observations = records.filter((record) => record.reference.startsWith('Observation/'));
    const page = await everything(`?_type=Observation&_count=${observations.length}`);
    expect(sorted(page.references)).toEqual(sorted(observations.map((record) => record.reference)));
    expect(page.next).toBeUndefined();
  });

  it('_type narrows it to the types named', async () => {
    const { references } = await everything('?_type=Observation,Condition');
    expect(sorted(references)).toEqual(
      sorted(
        records
          .map((record) => record.reference)
          .filter((reference) => /^(Observation|Condition)\//.test(reference)),
      ),
    );
  });

  it('start and end keep the records whose care date overlaps them, and the undated ones', async () => {
    const in2026 = (await everything('?start=2026-01-01&_type=Observation,Condition,Encounter')).references;
    expect(sorted(in2026)).toEqual(
      sorted(
        records
          .filter((record) => record.year !== '2025')
          .map((record) => record.reference)
          .filter((r) => /^(Observation|Condition|Encounter)\//.test(r)),
      ),
    );
    const before = (await everything('?end=2025-12-31&_type=Observation,Condition,Encounter,Appointment'))
      .references;
    expect(sorted(before)).toEqual(
      sorted(
        records
          .filter((record) => record.year !== '2026')
          .map((record) => record.reference)
          .filter((r) => /^(Observation|Condition|Encounter)\//.test(r)),
      ),
    );
    const none = (await everything('?start=2030-01-01&end=2030-12-31&_type=Observation,Appointment'))
      .references;
    expect(none).toEqual([]);
  });

  it('_since keeps what changed at or after the instant', async () => {
    const { references } = await everything(`?_since=${encodeURIComponent(midpoint)}&_count=100`);
    const later = records
      .slice(records.findIndex((record) => record.year !== '2025') - 1)
      .map((r) => r.reference);
    expect(sorted(references)).toEqual(sorted([...later, appointment]));
  });

  it('the patient gets their own, and nobody without a relationship gets anything (404)', async () => {
    expect(sorted((await everything('?_count=100', patientUser)).references)).toEqual(sorted(everyRecord()));
    const refused = await api(`/Patient/${otherPatientId}/$everything`, { token: patientUser });
    expect(refused.status, refused.text).toBe(404);
    const stranger = await token({
      role: 'clinician',
      org,
      sub: 'everything-stranger',
      practitionerId: 'nobody',
    });
    const hidden = await api(`/Patient/${patientId}/$everything`, { token: stranger });
    expect(hidden.status, hidden.text).toBe(404);
    expect(hidden.text).not.toContain('Observation');
  });

  it('is audited as one access to the patient, listing what it disclosed', async () => {
    const before = new Set((await orgAuditEvents(org)).map(({ event }) => String(field(event, 'id'))));
    await everything('?_type=Observation');
    const added = (await orgAuditEvents(org))
      .map(({ event }) => event)
      .filter((event) => !before.has(String(field(event, 'id'))));
    expect(added).toHaveLength(1);
    const [event] = added;
    expect(field(event, 'action')).toBe('E');
    expect(field(event, 'subtype', 0, 'code')).toBe('operation');
    const disclosed = ((field(event, 'entity') ?? []) as unknown[]).map((entity) =>
      String(field(entity, 'what', 'reference')),
    );
    expect(sorted(disclosed)).toEqual(
      sorted([
        `Patient/${patientId}`,
        ...records
          .map((record) => record.reference)
          .filter((reference) => reference.startsWith('Observation/')),
      ]),
    );
  });

  it('refuses what it does not serve by name (400)', async () => {
    for (const [query, name] of [
      ['?_type=Medication', '_type'],
      ['?start=yesterday', 'start'],
      ['?_since=2026-01-01', '_since'],
      ['?_cursor=99', '_cursor'],
      ['?code=8867-4', 'code'],
    ] as const) {
      const response = await api(`/Patient/${patientId}/$everything${query}`, { token: clinician });
      expect(response.status, `${query}: ${response.text}`).toBe(400);
      expect(response.text).toContain(name);
    }
  });
});
