import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mintToken } from '../../infra/local/issuer.ts';
import { ensureLocalKeyMaterial } from '../../shared/crypto/local-keys.ts';
import { api, dataDir, field } from '../support/api.ts';
import { gatewayLogLines } from '../support/gateway-log.ts';

const org = `org-exp-${randomUUID().slice(0, 6)}`;
const expired = (keyDir = join(dataDir(), 'keys')) =>
  mintToken(keyDir, { role: 'admin', org, sub: 'admin-exp', ttlSeconds: -120 });

const logLinesOf = (requestId: string): Promise<string[]> =>
  gatewayLogLines((line) => line.includes(requestId));

describe('an expired bearer token', () => {
  it('gets a 401 whose OperationOutcome says the token has expired, and a log line without the token', async () => {
    const bearer = await expired();
    const response = await api('/Patient', { token: bearer });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
    expect(field(response.json, 'issue', 0, 'code')).toBe('login');
    expect(String(field(response.json, 'issue', 0, 'diagnostics'))).toMatch(/expired/);

    const lines = await logLinesOf(String(response.headers.get('x-request-id')));
    expect(lines.join('\n')).toContain('TokenExpiredError');
    for (const part of bearer.split('.')) expect(lines.join('\n')).not.toContain(part);
  });

  it('that was tampered with keeps the generic answer: the expiry is only told for a token the issuer signed', async () => {
    const [header, payload, signature] = (await expired()).split('.');
    const claims: unknown = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const forged = { ...(typeof claims === 'object' ? claims : {}), 'cognito:groups': ['compliance'] };
    const bearer = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    const response = await api('/Patient', { token: bearer });
    expect(response.status).toBe(401);
    expect(field(response.json, 'issue', 0, 'diagnostics')).toBe('the bearer token is not valid');
  });

  it("of another data dir's issuer keeps the generic answer", async () => {
    const otherKeys = mkdtempSync(join(tmpdir(), 'other-issuer-'));
    ensureLocalKeyMaterial(otherKeys);
    const response = await api('/Patient', { token: await expired(otherKeys) });
    expect(response.status).toBe(401);
    expect(field(response.json, 'issue', 0, 'diagnostics')).toBe('the bearer token is not valid');
  });
});
