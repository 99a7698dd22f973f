import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { api, field, token } from '../support/api.ts';
import { resourceItems } from '../support/dynamo.ts';

const org = `org-race-${randomUUID().slice(0, 6)}`;

describe('concurrent writes to one record', () => {
  it('lets exactly one of many parallel updates with the same If-Match win, and loses no update', async () => {
    const bearer = await token({ role: 'admin', org, sub: 'racer' });
    const created = await api('/Patient', {
      token: bearer,
      body: { resourceType: 'Patient', gender: 'unknown' },
    });
    expect(created.status).toBe(201);
    const id = String(field(created.json, 'id'));

    const attempts = 12;
    const responses = await Promise.all(
      Array.from({ length: attempts }, (_, n) =>
        api(`/Patient/${id}`, {
          method: 'PUT',
          token: bearer,
          headers: { 'if-match': 'W/"1"' },
          body: { resourceType: 'Patient', id, name: [{ family: `Racer${n}` }] },
        }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(attempts - 1);

    const winner = responses.find((response) => response.status === 200);
    const read = await api(`/Patient/${id}`, { token: bearer });
    expect(read.headers.get('etag')).toBe('W/"2"');
    expect(field(read.json, 'name', 0, 'family')).toBe(field(winner?.json, 'name', 0, 'family'));
    const versions = (await resourceItems(org, 'Patient', id)).filter((item) =>
      String(item.sk).startsWith('v#'),
    );
    expect(versions).toHaveLength(2);
  });

  it('applies sequential updates that each name the version they saw', async () => {
    const bearer = await token({ role: 'admin', org, sub: 'sequential' });
    const created = await api('/Patient', {
      token: bearer,
      body: { resourceType: 'Patient', gender: 'unknown' },
    });
    const id = String(field(created.json, 'id'));
    for (let version = 1; version <= 5; version++) {
      const response = await api(`/Patient/${id}`, {
        method: 'PUT',
        token: bearer,
        headers: { 'if-match': `W/"${version}"` },
        body: { resourceType: 'Patient', id, name: [{ family: `Step${version}` }] },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('etag')).toBe(`W/"${version + 1}"`);
    }
    const history = await api(`/Patient/${id}/_history`, { token: bearer });
    const entries = field(history.json, 'entry');
    expect(Array.isArray(entries) ? entries.length : 0).toBe(6);
  });
});
