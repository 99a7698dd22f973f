import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';

/**
 * Requests full of PHI (the spec examples' names and dates) sent where they fail: neither
 * the answer nor — checked by the global teardown over the whole run's log — any log line
 * may repeat them.
 */
const org = `org-phi-${randomUUID().slice(0, 6)}`;

describe('PHI in refused requests', () => {
  it('never echoes a name, birth date or address in an error', async () => {
    const bearer = await token({ role: 'admin', org, sub: 'phi-admin' });
    const attempts = [
      { resourceType: 'Patient', name: [{ family: 'Chalmers' }], birthDate: '1974-12-25x' },
      { resourceType: 'Patient', name: 'Windsor', gender: 'Everywoman' },
      { resourceType: 'Patient', address: [{ line: '534 Erewhon St' }], nickname: 'Roelof Olaf' },
      { resourceType: 'Patient', birthDate: { value: '1944-11-17' } },
      { resourceType: 'Patient', name: [{ family: 'van de Heuvel', given: 'Pieter' }] },
    ];
    for (const body of attempts) {
      const response = await api('/Patient', { token: bearer, body });
      expect(response.status).toBe(400);
      for (const phi of [
        'Chalmers',
        '1974-12-25',
        'Windsor',
        'Everywoman',
        'Erewhon',
        'Roelof',
        '1944-11-17',
        'Heuvel',
        'Pieter',
      ]) {
        expect(response.text).not.toContain(phi);
      }
    }
  });

  it('does not echo search values or patch values either', async () => {
    const bearer = await token({ role: 'admin', org, sub: 'phi-admin' });
    const search = await api('/Patient?family=Chalmers&birthdate=1974-12-25x', { token: bearer });
    expect(search.status).toBe(400);
    expect(search.text).not.toContain('Chalmers');
    expect(search.text).not.toContain('1974-12-25');

    const created = await api('/Patient', {
      token: bearer,
      body: { resourceType: 'Patient', gender: 'other' },
    });
    const id = String(field(created.json, 'id'));
    const patch = await api(`/Patient/${id}`, {
      method: 'PATCH',
      token: bearer,
      headers: { 'content-type': 'application/json-patch+json', 'if-match': 'W/"1"' },
      rawBody: JSON.stringify([{ op: 'add', path: '/birthDate', value: 'Windsor 1974-12-25' }]),
    });
    expect(patch.status).toBe(422);
    expect(patch.text).not.toContain('Windsor');
    expect(patch.text).not.toContain('1974-12-25');
  });
});
