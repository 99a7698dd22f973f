import { beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { orgRecordItems } from '../support/dynamo.ts';
import { createPatient, issueExpressions, newOrg } from '../support/patients.ts';
import {
  appointmentBody,
  createPractitioner,
  EVERY_DAY,
  HOUR,
  practitionerBody,
  utcDay,
  workingHours,
} from '../support/schedule.ts';

/**
 * Narratives follow FHIR's XHTML rules (txt-1, txt-2) on every way in: the clinician portal
 * renders `text.div`, so a script, an event handler or a `javascript:` link is refused with a
 * 400 that names `<Type>.text.div` and never repeats the markup, and nothing is written.
 */
const org = newOrg();
let admin: string;
let clinician: string;
let practitioner: string;

const NS = 'xmlns="http://www.w3.org/1999/xhtml"';
/** A marker in each hostile narrative: it must not come back in any answer. */
const MARKER = 'Xylophrast';
const HOSTILE = [
  `<div ${NS}><script>alert('${MARKER}')</script>${MARKER}</div>`,
  `<div ${NS}><p onmouseover="alert('${MARKER}')">${MARKER}</p></div>`,
  `<div ${NS}><a href="javascript:alert('${MARKER}')">${MARKER}</a></div>`,
  `<div ${NS}><img src="data:image/svg+xml;base64,${MARKER}"/></div>`,
  `<div ${NS}><iframe src="https://evil.example/${MARKER}"></iframe></div>`,
];
const SAFE = `<div ${NS}><p><b>Peter</b> Chalmers, see <a href="https://example.org/notes">notes</a></p></div>`;

const narrative = (div: string) => ({ status: 'generated', div });

function expectRefusedAt(
  response: { status: number; text: string; json: unknown },
  location: string,
  status = 400,
) {
  expect(response.status, response.text).toBe(status);
  expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
  expect(issueExpressions(response as never)).toContain(location);
  expect(response.text).not.toContain(MARKER);
  expect(response.text).not.toContain('<script');
}

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'narrative-admin' });
  practitioner = await createPractitioner(
    admin,
    practitionerBody('Narrativedoc', [workingHours(EVERY_DAY, '00:00:00', '23:55:00', 'UTC')]),
  );
  clinician = await token({ role: 'clinician', org, sub: 'narrative-dr', practitionerId: practitioner });
});

describe('narratives (text.div)', () => {
  it('a Patient with a narrative the rules allow is created and reads back unchanged', async () => {
    const id = await createPatient(admin, { resourceType: 'Patient', text: narrative(SAFE) });
    const read = await api(`/Patient/${id}`, { token: admin });
    expect(read.status, read.text).toBe(200);
    expect(field(read.json, 'text', 'div')).toBe(SAFE);
  });

  it('creating a Patient with a script, an event handler, a javascript: or data: URL or an iframe answers 400 at Patient.text.div and stores nothing', async () => {
    const before = (await orgRecordItems(org)).length;
    for (const div of HOSTILE) {
      const response = await api('/Patient', {
        token: clinician,
        body: { resourceType: 'Patient', text: narrative(div) },
      });
      expectRefusedAt(response, 'Patient.text.div');
    }
    expect((await orgRecordItems(org)).length).toBe(before);
  });

  it('a PUT (400) or a JSON Patch (422) that brings a hostile narrative is refused at Patient.text.div and leaves version 1 current', async () => {
    const id = await createPatient(admin, {
      resourceType: 'Patient',
      gender: 'unknown',
      text: narrative(SAFE),
    });
    for (const div of HOSTILE) {
      const put = await api(`/Patient/${id}`, {
        method: 'PUT',
        token: admin,
        headers: { 'if-match': 'W/"1"' },
        body: { resourceType: 'Patient', id, gender: 'unknown', text: narrative(div) },
      });
      expectRefusedAt(put, 'Patient.text.div');
      const patch = await api(`/Patient/${id}`, {
        method: 'PATCH',
        token: admin,
        headers: { 'if-match': 'W/"1"', 'content-type': 'application/json-patch+json' },
        rawBody: JSON.stringify([{ op: 'replace', path: '/text/div', value: div }]),
      });
      // A patch whose result breaks the rules is 422, as for any invalid patched resource.
      expectRefusedAt(patch, 'Patient.text.div', 422);
    }
    const read = await api(`/Patient/${id}`, { token: admin });
    expect(read.headers.get('etag')).toBe('W/"1"');
    expect(field(read.json, 'text', 'div')).toBe(SAFE);
  });

  it('a Practitioner or an Appointment with a hostile narrative answers 400 at its own <Type>.text.div', async () => {
    for (const div of HOSTILE) {
      const created = await api('/Practitioner', {
        token: admin,
        body: { ...practitionerBody('Narrativedoc'), text: narrative(div) },
      });
      expectRefusedAt(created, 'Practitioner.text.div');
    }
    const patient = await createPatient(admin, {
      resourceType: 'Patient',
      generalPractitioner: [{ reference: `Practitioner/${practitioner}` }],
    });
    const start = utcDay(6) + 9 * HOUR;
    for (const div of HOSTILE) {
      const booked = await api('/Appointment', {
        token: clinician,
        body: appointmentBody(patient, practitioner, start, start + HOUR / 2, { text: narrative(div) }),
      });
      expectRefusedAt(booked, 'Appointment.text.div');
    }
    // The same booking with an allowed narrative goes through: only the narrative was wrong.
    const booked = await api('/Appointment', {
      token: clinician,
      body: appointmentBody(patient, practitioner, start, start + HOUR / 2, { text: narrative(SAFE) }),
    });
    expect(booked.status, booked.text).toBe(201);
  });
});
