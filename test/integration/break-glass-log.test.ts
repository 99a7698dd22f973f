import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AUDIT_EXTENSION } from '../../shared/audit/trail.ts';
import { api, field, token } from '../support/api.ts';
import { auditExtension, itemText, localDynamo, orgAuditEvents } from '../support/dynamo.ts';
import { gatewayLogLines } from '../support/gateway-log.ts';

/**
 * The break-glass alarm counts `breakGlass: true` log lines: every route that lets a
 * clinician in through break-glass must write one, searches included.
 */
const org = `org-btg-${randomUUID().slice(0, 6)}`;

async function breakGlassLines(requestId: string): Promise<unknown[]> {
  const lines = await gatewayLogLines(
    (line) => line.includes(requestId) && line.includes('"breakGlass":true'),
  );
  return lines.map((line): unknown => JSON.parse(line));
}

describe('break-glass accesses are counted for the alarm', () => {
  const reason = { 'x-break-glass-reason': 'patient unconscious in the emergency room' };

  it('logs a read, a search and a booking lookup made through break-glass, and nothing without it', async () => {
    const admin = await token({ role: 'admin', org, sub: 'btg-admin' });
    const created = await api('/Patient', {
      token: admin,
      body: { resourceType: 'Patient', gender: 'other' },
    });
    const id = String(field(created.json, 'id'));
    const stranger = await token({ role: 'clinician', org, sub: 'btg-dr', practitionerId: 'pr-stranger' });

    const read = await api(`/Patient/${id}`, { token: stranger, headers: reason });
    expect(read.status).toBe(200);
    expect(await breakGlassLines(String(read.headers.get('x-request-id')))).toHaveLength(1);

    const search = await api(`/Patient?_id=${id}`, { token: stranger, headers: reason });
    expect(field(search.json, 'entry', 0, 'resource', 'id')).toBe(id);
    expect(await breakGlassLines(String(search.headers.get('x-request-id')))).toHaveLength(1);

    const appointments = await api(`/Appointment?patient=${id}`, { token: stranger, headers: reason });
    expect(appointments.status).toBe(200);
    expect(await breakGlassLines(String(appointments.headers.get('x-request-id')))).toHaveLength(1);

    const refused = await api(`/Patient/${id}`, { token: stranger });
    expect(refused.status).toBe(404);
    expect(await breakGlassLines(String(refused.headers.get('x-request-id')))).toHaveLength(0);
  });
});

describe('the break-glass reason in the access log', () => {
  const REASON = 'Zorblat seizure, family unreachable, chart needed now';
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  const requestIdOf = (event: unknown) => auditExtension(event, AUDIT_EXTENSION.requestId, 'valueString');

  async function breakGlassRead() {
    const owner = `org-btg-${randomUUID().slice(0, 6)}`;
    const admin = await token({ role: 'admin', org: owner, sub: 'btg-store-admin' });
    const created = await api('/Patient', {
      token: admin,
      body: { resourceType: 'Patient', gender: 'other' },
    });
    const id = String(field(created.json, 'id'));
    const stranger = await token({
      role: 'clinician',
      org: owner,
      sub: 'btg-store-dr',
      practitionerId: 'pr-x',
    });
    const read = await api(`/Patient/${id}`, {
      token: stranger,
      headers: { 'x-break-glass-reason': REASON },
    });
    expect(read.status).toBe(200);
    const [stored] = (await orgAuditEvents(owner)).filter(
      ({ event }) => requestIdOf(event) === read.headers.get('x-request-id'),
    );
    if (!stored) throw new Error('no AuditEvent');
    const compliance = await token({ role: 'compliance', org: owner, sub: 'btg-store-compliance' });
    return {
      owner,
      id,
      stored,
      compliance,
      patient: await token({ role: 'patient', org: owner, sub: 'btg-p', patientId: id }),
    };
  }

  it('is stored sealed, with the coded purpose BTG in clear for queries and alarms', async () => {
    const { owner, stored } = await breakGlassRead();
    expect(itemText(stored.item)).not.toContain(REASON);
    expect(itemText(stored.item)).not.toContain('Zorblat');
    expect(stored.item.purposePk).toBe(`${owner}#BTG`);
    expect(field(stored.event, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    expect(field(stored.event, 'purposeOfEvent', 0, 'text')).toBeUndefined();
    expect(field(stored.event, 'purposeOfEvent', 0, 'extension', 0, 'url')).toBe(
      AUDIT_EXTENSION.encryptedText,
    );
    // The sealed form is what is stored and hashed.
    expect(stored.item.hash).toBe(sha256(String(stored.item.event)));
  });

  it('is read in clear by compliance staff (read, search, CSV), while NDJSON lines stay the sealed form', async () => {
    const { stored, compliance } = await breakGlassRead();
    const eventId = String(field(stored.event, 'id'));
    const read = await api(`/AuditEvent/${eventId}`, { token: compliance });
    expect(read.status, read.text).toBe(200);
    expect(field(read.json, 'purposeOfEvent', 0, 'text')).toBe(REASON);
    expect(field(read.json, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    const from = new Date(Date.now() - 120_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const search = await api(`/AuditEvent?purpose=BTG&date=ge${from}&date=le${to}`, { token: compliance });
    expect(field(search.json, 'entry', 0, 'resource', 'purposeOfEvent', 0, 'text')).toBe(REASON);
    const csv = await api(`/AuditEvent?purpose=BTG&date=ge${from}&date=le${to}&_format=csv`, {
      token: compliance,
    });
    expect(csv.text).toContain(REASON);
    const lines = await api(`/AuditEvent?purpose=BTG&date=ge${from}&date=le${to}&_format=ndjson`, {
      token: compliance,
    });
    const [line] = lines.text.split('\n');
    expect(line).not.toContain(REASON);
    expect(sha256(String(line))).toBe(stored.item.hash);
  });

  it('is not shown in the patient’s access report, which keeps the coded purpose', async () => {
    const { id, patient } = await breakGlassRead();
    const report = await api(`/Patient/${id}/$access-report`, { token: patient });
    expect(report.status, report.text).toBe(200);
    expect(report.text).toContain('BTG');
    expect(report.text).not.toContain(AUDIT_EXTENSION.encryptedText);
    expect(report.text).not.toContain(REASON);
  });

  it('does not open in another event: a sealed reason copied elsewhere stays sealed', async () => {
    const first = await breakGlassRead();
    const sealed = field(first.stored.event, 'purposeOfEvent', 0, 'extension', 0, 'valueBase64Binary');
    const second = await breakGlassRead();
    const { client, tables } = localDynamo();
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const forged = JSON.stringify({
      ...(second.stored.event as object),
      purposeOfEvent: [
        {
          coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: 'BTG' }],
          extension: [{ url: AUDIT_EXTENSION.encryptedText, valueBase64Binary: sealed }],
        },
      ],
    });
    await client.send(
      new UpdateCommand({
        TableName: tables.audit,
        Key: { pk: second.stored.item.pk, sk: second.stored.item.sk },
        UpdateExpression: 'SET #event = :event',
        ExpressionAttributeNames: { '#event': 'event' },
        ExpressionAttributeValues: { ':event': forged },
      }),
    );
    const read = await api(`/AuditEvent/${String(field(second.stored.event, 'id'))}`, {
      token: second.compliance,
    });
    expect(read.status, read.text).toBe(200);
    expect(read.text).not.toContain(REASON);
  });
});
