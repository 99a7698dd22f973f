import { describe, expect, it } from 'vitest';
import { MAX_TRANSACTION_ITEMS } from '../../../shared/audit/log.ts';
import { AuditTrail, disclosureItems, patientsOf } from '../../../shared/audit/trail.ts';
import { sha256Hex } from '../../../shared/crypto/canonical.ts';
import { routes } from '../../../shared/routes.ts';

const event = {
  pk: 'AE#2026-11-25T08',
  sk: '2026-11-25T08:15:00.000Z#0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  recordedSk: '2026-11-25T08:15:00.000Z#0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  orgPk: 'org-1',
  agentPk: 'org-1#u-1',
  purposePk: 'org-1#BTG',
  action: 'E',
  outcome: '0',
};

describe('disclosure items', () => {
  it('take the patients of an event from its Patient entities, in order, nothing else', () => {
    expect(
      patientsOf(['Appointment/a1', 'Patient/p1', 'Practitioner/x', 'Patient/p2', 'Patient/bad/id']),
    ).toEqual(['p1', 'p2']);
  });

  it('sit in the event’s partition right after it, in the byPatient index only, with ids and codes', () => {
    const [item] = disclosureItems(event, 'org-1', ['p2']);
    expect(item).toEqual({
      pk: event.pk,
      sk: `${event.sk}#p#p2`,
      recordedSk: event.sk,
      patientPk: 'org-1#p2',
      disclosureOf: event.sk,
      action: 'E',
      outcome: '0',
      agent: 'org-1#u-1',
      purpose: 'org-1#BTG',
      hash: sha256Hex(String(item?.event)),
      event:
        '{"disclosure":{"event":"AuditEvent/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","organization":"org-1","patient":"Patient/p2"}}',
    });
    expect(item).not.toHaveProperty('orgPk');
    expect(item).not.toHaveProperty('agentPk');
    expect(item).not.toHaveProperty('purposePk');
  });

  it('of a page of 100 patients fit with their event in one transaction: the event covers the first', async () => {
    const trail = new AuditTrail(
      routes.searchPatients,
      { sub: 'u-1', role: 'admin', org: 'org-1' },
      { requestId: 'r-1', sourceIp: '10.0.0.1', userAgent: 'unit' },
    );
    for (let at = 0; at < 100; at += 1) trail.see(`Patient/p${at}`);
    const record = await trail.build(200);
    expect(record.item.patientPk).toBe('org-1#p0');
    expect(record.disclosures.map((item) => item.patientPk)).toEqual(
      Array.from({ length: 99 }, (_, at) => `org-1#p${at + 1}`),
    );
    expect(1 + record.disclosures.length).toBe(MAX_TRANSACTION_ITEMS);
  });
});

describe('the audit trail', () => {
  it('restarts with nothing touched: a replayed create names only what it answers with', async () => {
    const trail = new AuditTrail(
      routes.createPatient,
      { sub: 'u-1', role: 'admin', org: 'org-1' },
      { requestId: 'r-1', sourceIp: '10.0.0.1', userAgent: 'unit' },
    );
    trail.concernsPatient('minted');
    trail.restart();
    trail.concernsPatient('first');
    expect(trail.entities).toEqual(['Patient/first']);
    expect(trail.patientId).toBe('first');
    expect((await trail.build(200)).item.patientPk).toBe('org-1#first');
  });
});
