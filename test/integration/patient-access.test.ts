import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TokenRequest } from '../../infra/local/issuer.ts';
import { type ApiResponse, api, field, token } from '../support/api.ts';
import { tokenWithClaims } from '../support/claims.ts';
import { orgAuditEvents } from '../support/dynamo.ts';
import { createPatient, entryIds, newOrg, phiPatient, resourceOf, testPhi } from '../support/patients.ts';

const org = newOrg();
const otherOrg = newOrg();
const REASON = 'unconscious patient in the emergency department';
let admin: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'access-admin' });
});

type Statuses = Record<string, number | 'includes' | 'excludes'>;

/** Calls all eight Patient routes on one record, writes last, and reports what each answered. */
async function callEveryRoute(
  id: string,
  bearer: string,
  headers: Record<string, string> = {},
): Promise<Statuses> {
  const status = (response: ApiResponse) => response.status;
  // The update keeps the record as it is (its generalPractitioner included) and changes one element.
  const current = await api(`/Patient/${id}`, { token: admin });
  const searched = await api(`/Patient?_count=100`, { token: bearer, headers });
  const patch = JSON.stringify([{ op: 'add', path: '/active', value: false }]);
  return {
    search:
      searched.status === 200 ? (entryIds(searched).includes(id) ? 'includes' : 'excludes') : searched.status,
    read: status(await api(`/Patient/${id}`, { token: bearer, headers })),
    vread: status(await api(`/Patient/${id}/_history/1`, { token: bearer, headers })),
    history: status(await api(`/Patient/${id}/_history`, { token: bearer, headers })),
    update: status(
      await api(`/Patient/${id}`, {
        method: 'PUT',
        token: bearer,
        body: { ...resourceOf(current), gender: 'other' },
        headers: { ...headers, 'if-match': 'W/"1"' },
      }),
    ),
    patch: status(
      await api(`/Patient/${id}`, {
        method: 'PATCH',
        token: bearer,
        rawBody: patch,
        headers: { ...headers, 'content-type': 'application/json-patch+json', 'if-match': 'W/"2"' },
      }),
    ),
    delete: status(await api(`/Patient/${id}`, { method: 'DELETE', token: bearer, headers })),
    create: status(await api('/Patient', { token: bearer, body: phiPatient(testPhi()), headers })),
  };
}

const ALL_ALLOWED: Statuses = {
  search: 'includes',
  read: 200,
  vread: 200,
  history: 200,
  update: 200,
  patch: 200,
  delete: 204,
  create: 201,
};
const ALL_FORBIDDEN: Statuses = {
  search: 403,
  read: 403,
  vread: 403,
  history: 403,
  update: 403,
  patch: 403,
  delete: 403,
  create: 403,
};
const HIDDEN_FROM_STAFF: Statuses = {
  search: 'excludes',
  read: 404,
  vread: 404,
  history: 404,
  update: 404,
  patch: 404,
  delete: 404,
  create: 201,
};
const HIDDEN_FROM_PATIENT: Statuses = {
  search: 'excludes',
  read: 404,
  vread: 404,
  history: 404,
  update: 403,
  patch: 403,
  delete: 403,
  create: 403,
};

interface Actor {
  who: string;
  /** The caller's token, given the id of the record they are tested against. */
  caller: (target: string) => Promise<string>;
  /** Creates the record the caller is tested against (by default, an admin creates it). */
  target?: () => Promise<string>;
  headers?: Record<string, string>;
  expected: Statuses;
}

const plainTarget = () => createPatient(admin, phiPatient(testPhi()));
const practitioner = () => `pr-${randomUUID().slice(0, 8)}`;
const as = (request: TokenRequest) => () => token(request);

const gp = practitioner();
const creator = practitioner();

const actors: Actor[] = [
  {
    who: 'the patient themself reads but cannot change or create',
    caller: (target) => token({ role: 'patient', org, sub: `p-${target}`, patientId: target }),
    expected: { ...HIDDEN_FROM_PATIENT, search: 'includes', read: 200, vread: 200, history: 200 },
  },
  {
    who: 'another patient of the organization gets 404 for reads and 403 for writes',
    caller: as({ role: 'patient', org, sub: 'p-other', patientId: 'someone-else' }),
    expected: HIDDEN_FROM_PATIENT,
  },
  {
    who: 'a clinician without a care relationship gets 404 and cannot find the record',
    caller: as({ role: 'clinician', org, sub: 'dr-none', practitionerId: practitioner() }),
    expected: HIDDEN_FROM_STAFF,
  },
  {
    who: 'the general practitioner named in Patient.generalPractitioner has full access',
    caller: as({ role: 'clinician', org, sub: 'dr-gp', practitionerId: gp }),
    target: () =>
      createPatient(
        admin,
        phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${gp}` }] }),
      ),
    expected: ALL_ALLOWED,
  },
  {
    who: 'the clinician who registered the patient has a care relationship',
    caller: as({ role: 'clinician', org, sub: 'dr-creator', practitionerId: creator }),
    target: async () =>
      createPatient(
        await token({ role: 'clinician', org, sub: 'dr-creator', practitionerId: creator }),
        phiPatient(testPhi()),
      ),
    expected: ALL_ALLOWED,
  },
  {
    who: 'a clinician stating a break-glass reason reads, and is refused every change with 403',
    caller: as({ role: 'clinician', org, sub: 'dr-btg', practitionerId: practitioner() }),
    headers: { 'x-break-glass-reason': REASON },
    expected: { ...ALL_ALLOWED, update: 403, patch: 403, delete: 403 },
  },
  {
    who: 'compliance staff are refused every Patient route',
    caller: as({ role: 'compliance', org, sub: 'auditor' }),
    expected: ALL_FORBIDDEN,
  },
  {
    who: 'an admin of the organization has full access',
    caller: as({ role: 'admin', org, sub: 'admin-2' }),
    expected: ALL_ALLOWED,
  },
  {
    who: 'an admin of another organization gets 404',
    caller: as({ role: 'admin', org: otherOrg, sub: 'access-admin' }),
    expected: HIDDEN_FROM_STAFF,
  },
  {
    who: 'a clinician of another organization with the same practitioner id as the GP gets 404',
    caller: as({ role: 'clinician', org: otherOrg, sub: 'dr-gp', practitionerId: gp }),
    target: () =>
      createPatient(
        admin,
        phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${gp}` }] }),
      ),
    expected: HIDDEN_FROM_STAFF,
  },
  {
    who: 'a clinician of another organization stating a break-glass reason gets 404',
    caller: as({ role: 'clinician', org: otherOrg, sub: 'dr-btg', practitionerId: practitioner() }),
    headers: { 'x-break-glass-reason': REASON },
    expected: HIDDEN_FROM_STAFF,
  },
  {
    who: "a patient of another organization holding the record's id gets 404",
    caller: (target) => token({ role: 'patient', org: otherOrg, sub: `p-${target}`, patientId: target }),
    expected: HIDDEN_FROM_PATIENT,
  },
  {
    who: 'compliance staff of another organization are refused every Patient route',
    caller: as({ role: 'compliance', org: otherOrg, sub: 'auditor' }),
    expected: ALL_FORBIDDEN,
  },
];

describe('Patient access policy', () => {
  it.each(actors)('$who', async (actor) => {
    const target = await (actor.target ?? plainTarget)();
    const caller = await actor.caller(target);
    expect(await callEveryRoute(target, caller, actor.headers)).toEqual(actor.expected);
  });

  it('a break-glass read is answered and its AuditEvent carries purposeOfEvent BTG with the reason sealed', async () => {
    const target = await plainTarget();
    const clinician = await token({
      role: 'clinician',
      org,
      sub: 'dr-btg-audit',
      practitionerId: practitioner(),
    });
    const hidden = await api(`/Patient/${target}`, { token: clinician });
    expect(hidden.status).toBe(404);
    const read = await api(`/Patient/${target}`, {
      token: clinician,
      headers: { 'x-break-glass-reason': REASON },
    });
    expect(read.status, read.text).toBe(200);

    const events = await orgAuditEvents(org);
    const eventOf = (response: ApiResponse) =>
      events.find(({ event }) =>
        JSON.stringify(field(event, 'extension')).includes(
          `"valueString":"${response.headers.get('x-request-id')}"`,
        ),
      );
    const btg = eventOf(read);
    expect(field(btg?.event, 'purposeOfEvent', 0, 'coding', 0, 'code')).toBe('BTG');
    // The reason is stored sealed; compliance staff read it (break-glass-log.test.ts).
    expect(field(btg?.event, 'purposeOfEvent', 0, 'text')).toBeUndefined();
    expect(JSON.stringify(btg?.item)).not.toContain(REASON);
    expect(field(btg?.event, 'outcome')).toBe('0');
    expect(btg?.item.purposePk).toBe(`${org}#BTG`);
    const plain = eventOf(hidden);
    expect(field(plain?.event, 'purposeOfEvent')).toBeUndefined();
    expect(field(plain?.event, 'outcome')).toBe('4');
  });

  it('a clinician with a care relationship who also sends a reason is not recorded as break-glass', async () => {
    const target = await createPatient(
      admin,
      phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${gp}` }] }),
    );
    const clinician = await token({ role: 'clinician', org, sub: 'dr-gp', practitionerId: gp });
    const read = await api(`/Patient/${target}`, {
      token: clinician,
      headers: { 'x-break-glass-reason': REASON },
    });
    expect(read.status).toBe(200);
    const event = (await orgAuditEvents(org)).find(({ event }) =>
      JSON.stringify(event).includes(String(read.headers.get('x-request-id'))),
    );
    expect(event).toBeDefined();
    expect(field(event?.event, 'purposeOfEvent')).toBeUndefined();
  });

  it.each([
    ['too short', 'because'],
    ['padded to look long enough', '   because   '],
    ['too long', 'x'.repeat(501)],
  ])('a break-glass reason that is %s is refused with 400', async (_case, reason) => {
    const target = await plainTarget();
    const clinician = await token({
      role: 'clinician',
      org,
      sub: 'dr-short',
      practitionerId: practitioner(),
    });
    const read = await api(`/Patient/${target}`, {
      token: clinician,
      headers: { 'x-break-glass-reason': reason },
    });
    expect(read.status, read.text).toBe(400);
    expect(read.text).not.toContain(reason.trim());
    const search = await api('/Patient', { token: clinician, headers: { 'x-break-glass-reason': reason } });
    expect(search.status, search.text).toBe(400);
  });

  it('break-glass reasons of exactly 10 and 500 characters are accepted', async () => {
    const target = await plainTarget();
    const clinician = await token({ role: 'clinician', org, sub: 'dr-edge', practitionerId: practitioner() });
    for (const reason of ['a'.repeat(10), 'b'.repeat(500)]) {
      const read = await api(`/Patient/${target}`, {
        token: clinician,
        headers: { 'x-break-glass-reason': reason },
      });
      expect(read.status, read.text).toBe(200);
    }
  });

  it('a clinician sees in search only the patients they care for', async () => {
    const searchOrg = newOrg();
    const searchAdmin = await token({ role: 'admin', org: searchOrg, sub: 'admin' });
    const mine = await createPatient(
      searchAdmin,
      phiPatient(testPhi(), { generalPractitioner: [{ reference: `Practitioner/${gp}` }] }),
    );
    const notMine = await createPatient(searchAdmin, phiPatient(testPhi()));
    const clinician = await token({ role: 'clinician', org: searchOrg, sub: 'dr-gp', practitionerId: gp });
    const found = await api('/Patient?gender=female', { token: clinician });
    expect(entryIds(found)).toEqual([mine]);
    const glass = await api('/Patient?gender=female', {
      token: clinician,
      headers: { 'x-break-glass-reason': REASON },
    });
    expect(entryIds(glass).sort()).toEqual([mine, notMine].sort());
  });
});

describe('tokens without exactly one known role', () => {
  it.each([
    ['no group', { 'cognito:groups': [] }],
    ['two roles', { 'cognito:groups': ['patient', 'admin'] }],
    ['clinician and admin', { 'cognito:groups': ['clinician', 'admin'] }],
    ['an unknown group', { 'cognito:groups': ['nurse'] }],
    ['a role in the wrong case', { 'cognito:groups': ['ADMIN'] }],
    ['no groups claim', {}],
  ])('a token with %s is refused with 403 on every Patient route', async (_case, groups) => {
    const target = await plainTarget();
    const bearer = await tokenWithClaims('odd-user', {
      ...groups,
      'custom:org': org,
      'custom:patientId': target,
      'custom:practitionerId': gp,
    });
    expect(await callEveryRoute(target, bearer)).toEqual(ALL_FORBIDDEN);
  });

  it('a token without an organization is refused with 403', async () => {
    const target = await plainTarget();
    const bearer = await tokenWithClaims('no-org', { 'cognito:groups': ['admin'] });
    expect((await api(`/Patient/${target}`, { token: bearer })).status).toBe(403);
  });

  it('a request without a token, or with a forged one, is refused with 401', async () => {
    const target = await plainTarget();
    expect((await api(`/Patient/${target}`)).status).toBe(401);
    const [header = '', payload = ''] = admin.split('.');
    const forged = `${header}.${payload}.${'A'.repeat(86)}`;
    expect((await api(`/Patient/${target}`, { token: forged })).status).toBe(401);
  });
});
