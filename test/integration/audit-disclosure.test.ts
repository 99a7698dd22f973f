import { createHash, randomInt, randomUUID } from 'node:crypto';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalGateway } from '../../bin/audit-local.ts';
import { hourAt, hourStartMs } from '../../shared/audit/digest.ts';
import { appendAuditEvent } from '../../shared/audit/log.ts';
import { sealHours } from '../../shared/audit/seal.ts';
import { AUDIT_EXTENSION, AuditTrail } from '../../shared/audit/trail.ts';
import { verifyHours } from '../../shared/audit/verify.ts';
import { routes } from '../../shared/routes.ts';
import { type ApiResponse, api, dataDir, field, token } from '../support/api.ts';
import { auditExtension, itemText, localDynamo, orgAuditEvents, type RawItem } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, phiStrings, testPhi } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  mondayAfter,
  practitionerBody,
  workingHours,
} from '../support/schedule.ts';

/**
 * Every patient whose data a response shows can find that disclosure: compliance with
 * `GET /AuditEvent?patient=`, the patient in their `$access-report`. One AuditEvent item a
 * request; the other patients it lists get small disclosure items in the event's partition.
 */
const org = newOrg();
const phi = [testPhi(), testPhi(), testPhi()];
const subs = { admin: 'disc-admin', compliance: 'disc-compliance', doctor: 'disc-doctor' };
const tokens = { admin: '', compliance: '', doctor: '', patients: [] as string[] };
let patients: string[] = [];
let practitioner = '';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const resources = (response: ApiResponse): unknown[] => {
  const list = field(response.json, 'entry');
  return Array.isArray(list) ? list.map((entry) => field(entry, 'resource')) : [];
};
const ids = (response: ApiResponse): string[] =>
  resources(response).map((resource) => String(field(resource, 'id')));
const requestIdOf = (event: unknown) => auditExtension(event, AUDIT_EXTENSION.requestId, 'valueString');
const entitiesOf = (event: unknown): unknown[] => {
  const entities = field(event, 'entity');
  return Array.isArray(entities) ? entities.map((entity) => field(entity, 'what', 'reference')) : [];
};

/** The one AuditEvent item a response left, and every item of its hour partition. */
async function eventOf(
  response: ApiResponse,
): Promise<{ item: RawItem; event: unknown; partition: RawItem[] }> {
  const requestId = response.headers.get('x-request-id');
  const matching = (await orgAuditEvents(org)).filter(({ event }) => requestIdOf(event) === requestId);
  expect(matching).toHaveLength(1);
  const [found] = matching;
  if (!found) throw new Error('no AuditEvent');
  const { client, tables } = localDynamo();
  const page = await client.send(
    new QueryCommand({
      TableName: tables.audit,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': found.item.pk, ':sk': found.item.sk },
    }),
  );
  return { ...found, partition: page.Items ?? [] };
}

async function eventIdOf(response: ApiResponse): Promise<string> {
  return String(field((await eventOf(response)).event, 'id'));
}

async function accessReportIds(patient: number, count = 100): Promise<string[]> {
  const seen: string[] = [];
  let path: string | undefined = `/Patient/${patients[patient]}/$access-report?_count=${count}`;
  while (path) {
    const response = await api(path, { token: tokens.patients[patient] ?? '' });
    expect(response.status, response.text).toBe(200);
    seen.push(...ids(response));
    const links = field(response.json, 'link');
    const next = Array.isArray(links) ? links.find((link) => field(link, 'relation') === 'next') : undefined;
    const url = field(next, 'url');
    path = typeof url === 'string' ? new URL(url).pathname + new URL(url).search : undefined;
  }
  return seen;
}

beforeAll(async () => {
  tokens.admin = await token({ role: 'admin', org, sub: subs.admin });
  tokens.compliance = await token({ role: 'compliance', org, sub: subs.compliance });
  practitioner = await createPractitioner(
    tokens.admin,
    practitionerBody('Disclosure', [workingHours(EVERY_DAY, '08:00:00', '18:00:00', 'UTC')]),
  );
  tokens.doctor = await token({ role: 'clinician', org, sub: subs.doctor, practitionerId: practitioner });
  patients = [];
  for (const one of phi) patients.push(await createPatient(tokens.admin, phiPatient(one)));
  tokens.patients = await Promise.all(
    patients.map((patientId, at) => token({ role: 'patient', org, sub: `disc-patient-${at}`, patientId })),
  );
});

describe('a search that lists several patients', () => {
  it('is one AuditEvent naming every listed patient, found under each patient by compliance and in each access report', async () => {
    const search = await api('/Patient?_count=100', { token: tokens.admin });
    expect(search.status, search.text).toBe(200);
    expect(ids(search).sort()).toEqual([...patients].sort());
    const { event, partition } = await eventOf(search);
    const id = String(field(event, 'id'));
    // BALP: one patient entity per disclosed patient.
    for (const patientId of patients) expect(entitiesOf(event)).toContain(`Patient/${patientId}`);
    // The event's own item covers one patient; the two others have a disclosure item each.
    expect(partition).toHaveLength(3);

    for (const [at, patientId] of patients.entries()) {
      const found = await api(`/AuditEvent?patient=${patientId}`, { token: tokens.compliance });
      expect(found.status, found.text).toBe(200);
      expect(ids(found).filter((one) => one === id)).toEqual([id]);
      expect(await accessReportIds(at)).toContain(id);
    }
  });

  it('stores its disclosure items with ids and codes only, each sealed like any item of its hour', async () => {
    const search = await api('/Patient?_count=100', { token: tokens.admin });
    const { item, partition } = await eventOf(search);
    const disclosures = partition.filter((one) => one.sk !== item.sk);
    expect(disclosures).toHaveLength(2);
    for (const disclosure of disclosures) {
      expect(disclosure.pk).toBe(item.pk);
      expect(disclosure.disclosureOf).toBe(item.sk);
      expect(disclosure.recordedSk).toBe(item.sk);
      expect(String(disclosure.sk).startsWith(`${String(item.sk)}#p#`)).toBe(true);
      expect(disclosure.orgPk).toBeUndefined();
      expect(disclosure.agentPk).toBeUndefined();
      expect(disclosure.hash).toBe(sha256(String(disclosure.event)));
      expect(disclosure.expiresAt).toBe(item.expiresAt);
      const text = itemText(disclosure).toLowerCase();
      for (const secret of phi.flatMap(phiStrings))
        expect(text.includes(secret.toLowerCase()), secret).toBe(false);
    }
    const listed = [item.patientPk, ...disclosures.map((one) => one.patientPk)].sort();
    expect(listed).toEqual(patients.map((patientId) => `${org}#${patientId}`).sort());
  });

  it('is found under a listed patient with the agent, action and outcome filters too, and not with others', async () => {
    const search = await api('/Patient?_count=100', { token: tokens.admin });
    const id = await eventIdOf(search);
    const last = patients[2];
    for (const query of [`agent=${subs.admin}`, 'action=E', 'outcome=0', `agent=${subs.admin}&action=E`]) {
      const found = await api(`/AuditEvent?patient=${last}&${query}`, { token: tokens.compliance });
      expect(ids(found), query).toContain(id);
    }
    for (const query of [`agent=${subs.doctor}`, 'action=R', 'outcome=4']) {
      const found = await api(`/AuditEvent?patient=${last}&${query}`, { token: tokens.compliance });
      expect(ids(found), query).not.toContain(id);
    }
    // Not twice in an organization-wide listing: disclosure items are in no other index.
    const from = new Date(Date.now() - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const all = await api(`/AuditEvent?date=ge${from}&date=le${to}&_count=1000`, {
      token: tokens.compliance,
    });
    expect(ids(all).filter((one) => one === id)).toEqual([id]);
  });

  it('pages of one event at a time through a patient’s report reach every event once', async () => {
    const search = await api('/Patient?_count=100', { token: tokens.admin });
    const id = await eventIdOf(search);
    const paged = await accessReportIds(1, 1);
    expect(paged).toContain(id);
    expect(new Set(paged).size).toBe(paged.length);
    // Reading the report is itself an access to the record: those newer events come first.
    const full = await accessReportIds(1);
    expect(full.slice(full.indexOf(String(paged[0])))).toEqual(paged);
  });

  it('shows a patient none of the other patients the event listed', async () => {
    const search = await api('/Patient?_count=100', { token: tokens.admin });
    const id = await eventIdOf(search);
    const response = await api(`/Patient/${patients[1]}/$access-report`, { token: tokens.patients[1] ?? '' });
    const entry = resources(response).find((resource) => field(resource, 'id') === id);
    expect(entitiesOf(entry)).toEqual([`Patient/${patients[1]}`]);
    for (const other of [patients[0], patients[2]]) expect(response.text).not.toContain(String(other));
  });
});

describe('an appointment search that lists several patients’ visits', () => {
  it('names each visit’s patient, and each finds the search in their report', async () => {
    const monday = mondayAfter(7);
    for (const [at, patientId] of patients.slice(0, 2).entries()) {
      const start = monday + (9 + at) * HOUR;
      const booked = await api('/Appointment', {
        token: tokens.admin,
        body: appointmentBody(patientId, practitioner, start, start + HOUR / 2),
      });
      expect(booked.status, booked.text).toBe(201);
    }
    const search = await api(`/Appointment?practitioner=${practitioner}`, { token: tokens.admin });
    expect(search.status, search.text).toBe(200);
    expect(resources(search)).toHaveLength(2);
    const { event } = await eventOf(search);
    const id = String(field(event, 'id'));
    for (const [at, patientId] of patients.slice(0, 2).entries()) {
      expect(entitiesOf(event)).toContain(`Patient/${patientId}`);
      expect(await accessReportIds(at)).toContain(id);
      expect(ids(await api(`/AuditEvent?patient=${patientId}`, { token: tokens.compliance }))).toContain(id);
    }
    expect(await accessReportIds(2)).not.toContain(id);
  });
});

describe('a batch entry that lists several patients', () => {
  it('leaves the entry’s AuditEvent under every patient it listed', async () => {
    const batch = await api('/', {
      token: tokens.admin,
      body: {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Patient?_count=100' } }],
      },
    });
    expect(batch.status, batch.text).toBe(200);
    expect(field(batch.json, 'entry', 0, 'response', 'status')).toBe('200 OK');
    const entryRequestId = `${batch.headers.get('x-request-id')}-1`;
    const entryEvent = (await orgAuditEvents(org)).find(({ event }) => requestIdOf(event) === entryRequestId);
    const id = String(field(entryEvent?.event, 'id'));
    for (const [at, patientId] of patients.entries()) {
      expect(await accessReportIds(at)).toContain(id);
      expect(ids(await api(`/AuditEvent?patient=${patientId}`, { token: tokens.compliance }))).toContain(id);
    }
  });
});

describe('disclosure items in the digest chain', () => {
  // Like audit-chain.test.ts: an hour of its own, far in the past, sealed and verified in-process.
  const hour = hourAt(Date.UTC(2002, 0, 1) + randomInt(0, 360) * 24 * 3_600_000);

  it('are sealed and verified as ordinary items of their hour; deleting or changing one is found', async () => {
    useLocalGateway(dataDir());
    const trail = new AuditTrail(
      routes.searchPatients,
      { sub: 'disc-chain', role: 'admin', org },
      { requestId: randomUUID(), sourceIp: '10.0.0.9', userAgent: 'disclosure-chain-test' },
    );
    for (const patientId of ['chain-a', 'chain-b', 'chain-c']) trail.see(`Patient/${patientId}`);
    const record = await trail.build(200, undefined, new Date(hourStartMs(hour) + 10 * 60_000));
    expect(record.disclosures).toHaveLength(2);
    await appendAuditEvent(record);
    await sealHours(hour, hour);
    expect(await verifyHours(hour, hour)).toMatchObject({ valid: true, events: 3, findings: [] });

    const { client, tables } = localDynamo();
    const [changed, deleted] = record.disclosures;
    await client.send(
      new UpdateCommand({
        TableName: tables.audit,
        Key: { pk: changed?.pk, sk: changed?.sk },
        UpdateExpression: 'SET #event = :event',
        ExpressionAttributeNames: { '#event': 'event' },
        ExpressionAttributeValues: { ':event': String(changed?.event).replace('chain-b', 'chain-x') },
      }),
    );
    await client.send(
      new DeleteCommand({ TableName: tables.audit, Key: { pk: deleted?.pk, sk: deleted?.sk } }),
    );
    const report = await verifyHours(hour, hour);
    expect(report.valid).toBe(false);
    expect(report.findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'event-changed', sk: changed?.sk }),
        expect.objectContaining({ kind: 'event-deleted', sk: deleted?.sk }),
      ]),
    );
  });
});
