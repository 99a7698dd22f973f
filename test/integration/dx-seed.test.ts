import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readUsers } from '../../infra/local/smart/users.ts';
import { api, dataDir, field, token } from '../support/api.ts';
import { ROOT } from '../support/gateway.ts';
import { newOrg } from '../support/patients.ts';

const orgs = [newOrg(), newOrg()];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `npm run seed` as a user runs it, against the test gateway (found through the data dir). */
function seed(...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, 'bin/seed.ts'), '--data-dir', dataDir(), '--orgs', orgs.join(','), ...args],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.once('exit', (code) => done({ code, stdout, stderr }));
  });
}

async function counts(org: string): Promise<Record<string, unknown>> {
  const admin = await token({ role: 'admin', org, sub: 'dx-seed-counter' });
  const count = async (path: string) => field((await api(path, { token: admin })).json, 'total');
  const practitioners = field((await api('/Practitioner?_count=100', { token: admin })).json, 'entry');
  return {
    patients: await count('/Patient?_summary=count'),
    appointments: await count('/Appointment?_summary=count'),
    fulfilled: await count('/Appointment?status=fulfilled&_summary=count'),
    booked: await count('/Appointment?status=booked&_summary=count'),
    encounters: await count('/Encounter?class=VR&status=finished&_summary=count'),
    vitalSigns: await count('/Observation?category=vital-signs&_summary=count'),
    conditions: await count('/Condition?clinical-status=active&_summary=count'),
    allergies: await count('/AllergyIntolerance?_summary=count'),
    orders: await count('/MedicationRequest?intent=order&_summary=count'),
    immunizations: await count('/Immunization?_summary=count'),
    notes: await count('/DocumentReference?category=clinical-note&_summary=count'),
    practitioners: Array.isArray(practitioners) ? practitioners.length : 0,
  };
}

/** `export ORG_X_ROLE='token'` lines of the seed's stdout. */
const tokensOf = (stdout: string): Map<string, string> =>
  new Map([...stdout.matchAll(/^export (\w+)='([^']+)'/gm)].map((match) => [match[1] ?? '', match[2] ?? '']));

describe('npm run seed', () => {
  it('loads practitioners, patients and appointments through the API, and a rerun adds nothing', {
    timeout: 240_000,
  }, async () => {
    const first = await seed('--patients', '12', '--practitioners', '2');
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toContain('patients');
    const after = await Promise.all(orgs.map(counts));
    for (const one of after) {
      expect(one).toMatchObject({ patients: 6, appointments: 12, practitioners: 2 });
      // Each patient's history: two video visits with three vital signs each, and one of the rest.
      expect(one).toMatchObject({
        encounters: 12,
        vitalSigns: 36,
        conditions: 6,
        allergies: 6,
        orders: 6,
        immunizations: 6,
        notes: 6,
      });
      // Of each patient's two visits, the first moves on (fulfilled, missed or cancelled); the second stays booked.
      expect(one.booked).toBe(6);
      expect(one.fulfilled).toBeGreaterThan(0);
    }

    const second = await seed('--patients', '12', '--practitioners', '2');
    expect(second.code, second.stderr).toBe(0);
    expect(await Promise.all(orgs.map(counts))).toEqual(after);
    expect(second.stderr).toMatch(/6 patients \(0 new\), 0 appointments booked, 0 clinical records/);

    // The printed tokens work, one user of each role per organization.
    const tokens = tokensOf(second.stdout);
    const prefix = orgs[0]?.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    expect([...tokens.keys()].filter((name) => name.startsWith(`${prefix}_`)).sort()).toEqual(
      ['ADMIN', 'CLINICIAN', 'COMPLIANCE', 'PATIENT'].map((role) => `${prefix}_${role}`),
    );
    const clinician = await api('/Patient?_summary=count', {
      token: tokens.get(`${prefix}_CLINICIAN`) ?? '',
    });
    expect(field(clinician.json, 'total')).toBe(3);
    const patient = await api('/Patient?_count=10', { token: tokens.get(`${prefix}_PATIENT`) ?? '' });
    expect(field(patient.json, 'entry', 'length')).toBe(1);
    // The same users are offered on the local SMART sign-in page, each once however often seeded.
    const users = readUsers(dataDir()).filter((user) => user.org === orgs[0]);
    expect(users.map((user) => user.role).sort()).toEqual(['admin', 'clinician', 'compliance', 'patient']);
    // A patient's history in codes a client can search by: LOINC vital signs of their visits.
    const mine = await api(`/Observation?code=http://loinc.org|8867-4&_count=10`, {
      token: tokens.get(`${prefix}_PATIENT`) ?? '',
    });
    expect(field(mine.json, 'entry', 'length')).toBe(2);
    const log = await api(`/AuditEvent?agent=seed-admin-${orgs[0]}&_count=5`, {
      token: tokens.get(`${prefix}_COMPLIANCE`) ?? '',
    });
    expect(log.status).toBe(200);
    expect(field(log.json, 'entry', 'length')).toBe(5);
  });

  it('refuses bad options with its usage and exit code 2', async () => {
    const run = await seed('--patients', 'many');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('usage: npm run seed');
  });
});
