import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../infra/local/issuer.ts';
import { api, field } from '../support/api.ts';
import { newDataDir, startGateway } from '../support/gateway.ts';

const dataDir = newDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('the local gateway across restarts', () => {
  it('stops cleanly on SIGTERM and serves the same records and tokens after a restart', async () => {
    const first = await startGateway(dataDir);
    const bearer = await mintToken(join(dataDir, 'keys'), {
      role: 'admin',
      org: 'org-restart',
      sub: 'admin-r',
    });
    const created = await api('/Patient', {
      base: first.url,
      token: bearer,
      body: { resourceType: 'Patient', name: [{ family: 'Persistent' }] },
    });
    expect(created.status).toBe(201);
    const id = String(field(created.json, 'id'));
    expect(await first.stop()).toBe(0);

    const second = await startGateway(dataDir);
    try {
      const read = await api(`/Patient/${id}`, { base: second.url, token: bearer });
      expect(read.status).toBe(200);
      expect(field(read.json, 'name', 0, 'family')).toBe('Persistent');
      expect(read.headers.get('etag')).toBe('W/"1"');
    } finally {
      expect(await second.stop()).toBe(0);
    }
    // Two DynamoDB Local starts (a JVM each): slow on a loaded two-core machine.
  }, 120_000);

  it('refuses to start a second gateway on a data dir in use', async () => {
    const running = await startGateway(dataDir);
    try {
      await expect(startGateway(dataDir)).rejects.toThrow(/gateway exited/);
    } finally {
      await running.stop();
    }
  }, 120_000);
});
