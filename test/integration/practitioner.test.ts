import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { entryIds, issueExpressions, letters, newOrg, nextLink } from '../support/patients.ts';
import { practitionerBody, RequestLog, workingHours } from '../support/schedule.ts';

const org = newOrg();
const otherOrg = newOrg();
const log = new RequestLog();
const tokens: Record<'admin' | 'clinician' | 'patient' | 'compliance' | 'foreign', string> = {
  admin: '',
  clinician: '',
  patient: '',
  compliance: '',
  foreign: '',
};
const family = `Vandenbroek${letters(6)}`;
let practitionerId: string;

const call = async (path: string, options: Parameters<typeof api>[1] = {}, inOrg = org) =>
  log.track(inOrg, await api(path, options));

beforeAll(async () => {
  tokens.admin = await token({ role: 'admin', org, sub: 'pr-admin' });
  tokens.clinician = await token({ role: 'clinician', org, sub: 'pr-clinician', practitionerId: 'someone' });
  tokens.patient = await token({ role: 'patient', org, sub: 'pr-patient', patientId: 'some-patient' });
  tokens.compliance = await token({ role: 'compliance', org, sub: 'pr-compliance' });
  tokens.foreign = await token({ role: 'admin', org: otherOrg, sub: 'pr-foreign' });
});

afterAll(async () => {
  await log.expectEachAuditedOnce();
});

describe('Practitioner', () => {
  it('an admin registers a practitioner with working hours; it reads back with server-set id and meta', async () => {
    const body = {
      ...practitionerBody(family, [workingHours(['mon', 'tue'], '09:00:00', '12:30:00', 'Europe/Amsterdam')]),
      id: 'client-chosen',
    };
    const created = await call('/Practitioner', { token: tokens.admin, body });
    expect(created.status, created.text).toBe(201);
    practitionerId = String(field(created.json, 'id'));
    expect(practitionerId).not.toBe('client-chosen');
    expect(created.headers.get('etag')).toBe('W/"1"');
    const read = await call(`/Practitioner/${practitionerId}`, { token: tokens.admin });
    expect(read.status).toBe(200);
    expect(read.json).toEqual(created.json);
    expect(field(read.json, 'extension', 0, 'extension', 4, 'valueCode')).toBe('Europe/Amsterdam');
  });

  it('only admins register practitioners', async () => {
    for (const role of ['clinician', 'patient', 'compliance'] as const) {
      const response = await call('/Practitioner', { token: tokens[role], body: practitionerBody('Nope') });
      expect(response.status, role).toBe(403);
    }
  });

  it('invalid working hours are refused with 422 naming each problem', async () => {
    const response = await call('/Practitioner', {
      token: tokens.admin,
      body: practitionerBody('Broken', [
        workingHours(['mon'], '17:00:00', '09:00:00', 'Europe/Amsterdam'),
        workingHours(['xyz'], '09:00:00', '10:00:00', 'Not/AZone'),
      ]),
    });
    expect(response.status, response.text).toBe(422);
    expect(issueExpressions(response)).toEqual([
      'Practitioner.extension[0]',
      'Practitioner.extension[1].extension[0].valueCode',
      'Practitioner.extension[1].extension[3].valueCode',
      // No valid day, no valid zone.
      'Practitioner.extension[1]',
      'Practitioner.extension[1]',
    ]);
  });

  it('every signed-in role of the organization reads a practitioner; another organization gets 404', async () => {
    for (const role of ['admin', 'clinician', 'patient', 'compliance'] as const) {
      const response = await call(`/Practitioner/${practitionerId}`, { token: tokens[role] });
      expect(response.status, role).toBe(200);
    }
    const foreign = await call(`/Practitioner/${practitionerId}`, { token: tokens.foreign }, otherOrg);
    expect(foreign.status).toBe(404);
    expect((await call('/Practitioner/no-such-id', { token: tokens.patient })).status).toBe(404);
  });

  it('name search matches the start of any name word, ignoring case and accents, within the organization', async () => {
    const second = await call('/Practitioner', {
      token: tokens.admin,
      body: { resourceType: 'Practitioner', name: [{ text: `Élodie ${family}sen` }] },
    });
    expect(second.status).toBe(201);
    const secondId = String(field(second.json, 'id'));

    const prefix = await call(`/Practitioner?name=${family.slice(0, 9).toUpperCase()}`, {
      token: tokens.patient,
    });
    expect(prefix.status).toBe(200);
    expect(entryIds(prefix).sort()).toEqual([practitionerId, secondId].sort());
    const accent = await call(`/Practitioner?name=elodie`, { token: tokens.clinician });
    expect(entryIds(accent)).toEqual([secondId]);
    const none = await call(`/Practitioner?name=zzz${letters(5)}`, { token: tokens.clinician });
    expect(entryIds(none)).toEqual([]);
    const foreign = await call(`/Practitioner?name=${family}`, { token: tokens.foreign }, otherOrg);
    expect(entryIds(foreign)).toEqual([]);
  });

  it('listing pages with an opaque cursor bound to the caller and the query', async () => {
    const first = await call('/Practitioner?_count=1', { token: tokens.admin });
    expect(first.status).toBe(200);
    expect(entryIds(first)).toHaveLength(1);
    const next = nextLink(first);
    expect(next).toBeDefined();
    const second = await call(next ?? '', { token: tokens.admin });
    expect(second.status).toBe(200);
    expect(entryIds(second)).toHaveLength(1);
    expect(entryIds(second)).not.toEqual(entryIds(first));
    const stolen = await call(next ?? '', { token: tokens.clinician });
    expect(stolen.status).toBe(400);
  });

  it('availability is open to patients, clinicians and admins, not compliance, and 404 for unknown practitioners', async () => {
    const query = '?start=2030-01-07T00:00:00Z&end=2030-01-08T00:00:00Z';
    for (const role of ['admin', 'clinician', 'patient'] as const) {
      expect(
        (await call(`/Practitioner/${practitionerId}/$availability${query}`, { token: tokens[role] })).status,
      ).toBe(200);
    }
    expect(
      (await call(`/Practitioner/${practitionerId}/$availability${query}`, { token: tokens.compliance }))
        .status,
    ).toBe(403);
    expect((await call(`/Practitioner/nobody/$availability${query}`, { token: tokens.admin })).status).toBe(
      404,
    );
    const foreign = await call(
      `/Practitioner/${practitionerId}/$availability${query}`,
      { token: tokens.foreign },
      otherOrg,
    );
    expect(foreign.status).toBe(404);
    // 2030-01-07 is a Monday: 09:00-12:30 in Amsterdam (CET) is 08:00-11:30 UTC.
    const monday = await call(`/Practitioner/${practitionerId}/$availability${query}`, {
      token: tokens.patient,
    });
    const entries = field(monday.json, 'entry');
    const slots = Array.isArray(entries)
      ? entries.filter((entry) => field(entry, 'resource', 'resourceType') === 'Slot')
      : [];
    expect(
      slots.map((entry) => [field(entry, 'resource', 'start'), field(entry, 'resource', 'end')]),
    ).toEqual([['2030-01-07T08:00:00.000Z', '2030-01-07T11:30:00.000Z']]);
  });

  it('a practitioner without working hours has no availability', async () => {
    const idle = await call('/Practitioner', { token: tokens.admin, body: practitionerBody('Idle') });
    const id = String(field(idle.json, 'id'));
    const response = await call(
      `/Practitioner/${id}/$availability?start=2030-01-07T00:00:00Z&end=2030-01-14T00:00:00Z`,
      {
        token: tokens.admin,
      },
    );
    expect(response.status).toBe(200);
    expect(field(response.json, 'total')).toBe(0);
  });
});
