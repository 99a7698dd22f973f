import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { noteAttachment, visitNote } from '../../shared/fhir/clinical-examples.ts';
import { binaryObjectName } from '../../shared/store/binaries.ts';
import { api, dataDir, field, token } from '../support/api.ts';
import { createResource } from '../support/clinical.ts';
import { itemText, orgAuditEvents, resourceItems } from '../support/dynamo.ts';
import { createPatient, newOrg, phiPatient, testPhi } from '../support/patients.ts';
import { createPractitioner, practitionerBody } from '../support/schedule.ts';

/**
 * Attachments: a Binary is stored envelope-encrypted outside the item, read back byte for byte
 * under the rules of the patient its securityContext names, and audited.
 */
const org = newOrg();
let admin: string;
let clinician: string;
let patientUser: string;
let patientId: string;
let practitionerId: string;
/** A PDF-sized attachment of random bytes: nothing in it can be guessed from the item. */
const body = randomBytes(256 * 1024);
let binaryId: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'binary-admin' });
  practitionerId = await createPractitioner(admin, practitionerBody('Marchetti'));
  clinician = await token({ role: 'clinician', org, sub: 'binary-clinician', practitionerId });
  patientId = await createPatient(admin, {
    ...phiPatient(testPhi()),
    generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }],
  });
  patientUser = await token({ role: 'patient', org, sub: 'binary-patient', patientId });
});

const attachment = (data = body.toString('base64')) => ({
  ...noteAttachment({ patient: patientId, practitioner: practitionerId }),
  contentType: 'application/pdf',
  data,
});

describe('Binary', () => {
  it('round-trips: created by the clinician, read back byte for byte, the item and the object both sealed', async () => {
    const created = await api('/Binary', { token: clinician, body: attachment() });
    expect(created.status, created.text.slice(0, 500)).toBe(201);
    binaryId = String(field(created.json, 'id'));
    expect(field(created.json, 'data')).toBeUndefined();
    expect(field(created.json, 'contentType')).toBe('application/pdf');
    const read = await api(`/Binary/${binaryId}`, { token: clinician });
    expect(read.status, read.text.slice(0, 500)).toBe(200);
    expect(Buffer.from(String(field(read.json, 'data')), 'base64').equals(body)).toBe(true);
    expect(field(read.json, 'securityContext', 'reference')).toBe(`Patient/${patientId}`);
    // Neither the item nor the object holds the body in clear.
    const sample = body.subarray(1000, 1032).toString('base64');
    for (const item of await resourceItems(org, 'Binary', binaryId))
      expect(itemText(item)).not.toContain(sample);
    const sealed = await readFile(join(dataDir(), 'binaries', binaryObjectName(org, binaryId, 1)));
    expect(sealed.length).toBeGreaterThan(body.length);
    expect(sealed.includes(body.subarray(1000, 1032))).toBe(false);
  });

  it('is what a DocumentReference points to, and the patient reads both', async () => {
    const note = await createResource(clinician, {
      ...visitNote({ patient: patientId, practitioner: practitionerId }, '2026-11-20T10:00:00Z', binaryId),
    });
    const document = await api(`/DocumentReference/${note}`, { token: patientUser });
    expect(document.status).toBe(200);
    const url = String(field(document.json, 'content', 0, 'attachment', 'url'));
    expect(url).toBe(`Binary/${binaryId}`);
    const read = await api(`/${url}`, { token: patientUser });
    expect(read.status, read.text.slice(0, 300)).toBe(200);
    expect(Buffer.from(String(field(read.json, 'data')), 'base64').equals(body)).toBe(true);
  });

  it('is refused to a clinician without a relationship with the patient (404), to compliance (403) and to another organization (404)', async () => {
    const stranger = await token({
      role: 'clinician',
      org,
      sub: 'binary-stranger',
      practitionerId: 'nobody',
    });
    const hidden = await api(`/Binary/${binaryId}`, { token: stranger });
    expect(hidden.status, hidden.text).toBe(404);
    expect(hidden.text).not.toContain(body.subarray(0, 30).toString('base64'));
    const compliance = await token({ role: 'compliance', org, sub: 'binary-compliance' });
    expect((await api(`/Binary/${binaryId}`, { token: compliance })).status).toBe(403);
    const foreign = await token({ role: 'admin', org: newOrg(), sub: 'binary-foreign' });
    expect((await api(`/Binary/${binaryId}`, { token: foreign })).status).toBe(404);
  });

  it('leaves an AuditEvent of each read, concerning the patient', async () => {
    const events = (await orgAuditEvents(org)).map(({ event }) => event);
    const reads = events.filter(
      (event) => field(event, 'action') === 'R' && JSON.stringify(event).includes(`Binary/${binaryId}`),
    );
    expect(reads.length).toBeGreaterThanOrEqual(3);
    for (const event of reads) expect(JSON.stringify(event)).toContain(`Patient/${patientId}`);
    const created = events.filter(
      (event) => field(event, 'action') === 'C' && JSON.stringify(event).includes(`Binary/${binaryId}`),
    );
    expect(created).toHaveLength(1);
  });

  it('refuses a Binary without data (400), without a patient (422), of a patient the clinician does not treat (422), from a patient (403)', async () => {
    const { data: _data, ...withoutData } = attachment();
    const noData = await api('/Binary', { token: clinician, body: withoutData });
    expect(noData.status, noData.text).toBe(400);
    expect(noData.text).toContain('Binary.data');
    const notBase64 = await api('/Binary', { token: clinician, body: attachment('not base64!') });
    expect(notBase64.status, notBase64.text).toBe(400);
    const { securityContext: _context, ...withoutContext } = attachment();
    const noPatient = await api('/Binary', { token: clinician, body: withoutContext });
    expect(noPatient.status, noPatient.text).toBe(422);
    expect(noPatient.text).toContain('Binary.securityContext');
    const otherPatient = await createPatient(admin, phiPatient(testPhi()));
    const elsewhere = await api('/Binary', {
      token: clinician,
      body: { ...attachment(), securityContext: { reference: `Patient/${otherPatient}` } },
    });
    expect(elsewhere.status, elsewhere.text).toBe(422);
    const fromPatient = await api('/Binary', { token: patientUser, body: attachment() });
    expect(fromPatient.status, fromPatient.text).toBe(403);
  });

  it('takes up to 5 MB of JSON and refuses more with 413', async () => {
    const large = await api('/Binary', {
      token: clinician,
      body: attachment(randomBytes(3 * 1024 * 1024).toString('base64')),
    });
    expect(large.status, large.text.slice(0, 300)).toBe(201);
    const tooLarge = await api('/Binary', {
      token: clinician,
      body: attachment(randomBytes(4 * 1024 * 1024).toString('base64')),
    });
    expect(tooLarge.status, tooLarge.text.slice(0, 300)).toBe(413);
    expect(field(tooLarge.json, 'resourceType')).toBe('OperationOutcome');
  });
});
