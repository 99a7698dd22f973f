import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { api, field, token } from '../support/api.ts';

/**
 * The break-glass alarm counts `breakGlass: true` log lines: every route that lets a
 * clinician in through break-glass must write one, searches included.
 */
const org = `org-btg-${randomUUID().slice(0, 6)}`;

async function breakGlassLines(requestId: string): Promise<unknown[]> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const lines = readFileSync(inject('gatewayLog'), 'utf8')
      .split('\n')
      .filter((line) => line.includes(requestId) && line.includes('"breakGlass":true'));
    if (lines.length > 0) return lines.map((line): unknown => JSON.parse(line));
    await new Promise((done) => setTimeout(done, 50));
  }
  return [];
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
