import { appendFileSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientRegistrationError, findClient, registerClient } from '../../../infra/local/smart/clients.ts';
import { CODE_LIFETIME_SECONDS, type Grant, GrantStore } from '../../../infra/local/smart/grants.ts';
import { readUsers, recordUser, usersFile } from '../../../infra/local/smart/users.ts';

const newDir = () => mkdtempSync(join(tmpdir(), 'smart-state-'));
const grant: Grant = {
  clientId: 'client-aaaaaaaaaaaaaaaa',
  sub: 'u-1',
  scope: 'patient/*.rs offline_access',
  aud: 'http://h',
};
const code = { ...grant, redirectUri: 'https://app.test/cb', codeChallenge: 'c'.repeat(43) };

afterEach(() => {
  vi.useRealTimers();
});

describe('authorization codes', () => {
  it('are redeemed once, and a second use revokes the tokens of the first', () => {
    const store = new GrantStore(newDir());
    const secret = store.issueCode(code);
    const first = store.redeemCode(secret);
    expect(first.ok).toBe(true);
    store.recordCodeTokens(secret, { jti: 'jti-1', exp: Math.floor(Date.now() / 1000) + 60 }, undefined);
    expect(store.redeemCode(secret).ok).toBe(false);
    expect(store.isRevoked('jti-1')).toBe(true);
  });

  it('expire after a minute', () => {
    vi.useFakeTimers({ now: Date.parse('2026-12-01T10:00:00Z') });
    const store = new GrantStore(newDir());
    const secret = store.issueCode(code);
    vi.setSystemTime(Date.parse('2026-12-01T10:00:00Z') + (CODE_LIFETIME_SECONDS + 1) * 1000);
    expect(store.redeemCode(secret).ok).toBe(false);
  });
});

describe('refresh tokens', () => {
  it('rotate: a used one is refused, and its replay ends the family', () => {
    const store = new GrantStore(newDir());
    const first = store.issueRefreshToken(grant);
    const used = store.useRefreshToken(first.token, grant.clientId);
    expect(used.ok).toBe(true);
    const second = store.issueRefreshToken(grant, first.family);
    expect(store.useRefreshToken(first.token, grant.clientId)).toEqual({ ok: false, reason: 'replayed' });
    expect(store.useRefreshToken(second.token, grant.clientId)).toEqual({ ok: false, reason: 'revoked' });
  });

  it('belong to their client', () => {
    const store = new GrantStore(newDir());
    const { token } = store.issueRefreshToken(grant);
    expect(store.useRefreshToken(token, 'another-client-aaaaaa')).toEqual({
      ok: false,
      reason: 'other client',
    });
    expect(store.revokeRefreshToken(token, 'another-client-aaaaaa')).toBe(false);
    expect(store.activeRefreshToken(token)?.grant).toEqual(grant);
  });

  it('are kept by hash in the data dir, and survive a restart with revocations', () => {
    const dir = newDir();
    const store = new GrantStore(dir);
    const { token } = store.issueRefreshToken(grant);
    store.revoke('jti-9', Math.floor(Date.now() / 1000) + 600);
    expect(readFileSync(join(dir, 'smart', 'refresh-tokens.json'), 'utf8')).not.toContain(token);
    const restarted = new GrantStore(dir);
    expect(restarted.activeRefreshToken(token)?.grant.sub).toBe('u-1');
    expect(restarted.isRevoked('jti-9')).toBe(true);
  });
});

describe('client assertions', () => {
  it('are taken once per jti and client', () => {
    const store = new GrantStore(newDir());
    const exp = Math.floor(Date.now() / 1000) + 300;
    expect(store.firstUseOfAssertion('client-a', 'j', exp)).toBe(true);
    expect(store.firstUseOfAssertion('client-a', 'j', exp)).toBe(false);
    expect(store.firstUseOfAssertion('client-b', 'j', exp)).toBe(true);
  });
});

describe('client registrations', () => {
  const ecKey = { kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1', alg: 'ES384' };

  it('write one file per client, found by its id and by nothing else', () => {
    const dir = newDir();
    const client = registerClient(dir, {
      name: 'App',
      redirectUris: ['https://app.test/cb'],
      public: true,
      scopes: 'launch/patient patient/*.read',
    });
    expect(client.token_endpoint_auth_method).toBe('none');
    expect(readdirSync(join(dir, 'smart', 'clients'))).toEqual([`${client.client_id}.json`]);
    expect(findClient(dir, client.client_id)).toEqual(client);
    expect(findClient(dir, '../clients')).toBeUndefined();
  });

  it('take a backend service with a JWKS and system/ scopes', () => {
    const client = registerClient(newDir(), {
      name: 'Backend',
      redirectUris: [],
      public: false,
      jwks: { keys: [ecKey] },
      scopes: 'system/*.rs',
      org: 'org-a',
      role: 'compliance',
    });
    expect(client.token_endpoint_auth_method).toBe('private_key_jwt');
    expect(client.org).toBe('org-a');
    expect(client.role).toBe('compliance');
  });

  it('refuse what cannot work or would be unsafe', () => {
    const dir = newDir();
    const refused = [
      { name: 'A', redirectUris: [], public: true, scopes: 'patient/*.rs' },
      { name: 'A', redirectUris: ['https://a.test/cb'], public: false, scopes: 'patient/*.rs' },
      { name: 'A', redirectUris: ['https://a.test/cb#x'], public: true, scopes: 'patient/*.rs' },
      { name: 'A', redirectUris: ['/relative'], public: true, scopes: 'patient/*.rs' },
      { name: 'A', redirectUris: [], public: false, jwks: { keys: [ecKey] }, scopes: 'patient/*.rs' },
      {
        name: 'A',
        redirectUris: [],
        public: false,
        jwks: { keys: [{ ...ecKey, d: 'secret' }] },
        scopes: 'system/*.rs',
      },
      {
        name: 'A',
        redirectUris: [],
        public: false,
        jwks: { keys: [{ ...ecKey, alg: 'HS256' }] },
        scopes: 'system/*.rs',
      },
      { name: 'A', redirectUris: ['https://a.test/cb'], public: true, scopes: 'patient/*.x' },
      // A backend service without the organization or role it acts with, or with a user's role.
      {
        name: 'A',
        redirectUris: [],
        public: false,
        jwks: { keys: [ecKey] },
        scopes: 'system/*.rs',
        org: 'org-a',
      },
      {
        name: 'A',
        redirectUris: [],
        public: false,
        jwks: { keys: [ecKey] },
        scopes: 'system/*.rs',
        role: 'admin',
      },
      {
        name: 'A',
        redirectUris: [],
        public: false,
        jwks: { keys: [ecKey] },
        scopes: 'system/*.rs',
        org: 'org-a',
        role: 'patient',
      },
      {
        name: 'A',
        redirectUris: ['https://a.test/cb'],
        public: true,
        scopes: 'patient/*.rs',
        org: 'org-a',
        role: 'admin',
      },
      { name: '', redirectUris: ['https://a.test/cb'], public: true, scopes: 'patient/*.rs' },
    ];
    for (const request of refused) {
      expect(() => registerClient(dir, request), JSON.stringify(request)).toThrow(ClientRegistrationError);
    }
  });
});

describe('the users file', () => {
  it('keeps each user once, as last recorded, and skips a torn line', () => {
    const dir = newDir();
    recordUser(dir, { sub: 'a', role: 'patient', org: 'org-1', patientId: 'p1' });
    recordUser(dir, { sub: 'b', role: 'clinician', org: 'org-1', practitionerId: 'pr1' });
    appendFileSync(usersFile(dir), '{"sub":"c","ro\n');
    recordUser(dir, { sub: 'a', role: 'patient', org: 'org-1', patientId: 'p2' });
    expect(readUsers(dir)).toEqual([
      { sub: 'a', role: 'patient', org: 'org-1', patientId: 'p2' },
      { sub: 'b', role: 'clinician', org: 'org-1', practitionerId: 'pr1' },
    ]);
  });

  it('answers no users when there is no file yet', () => {
    expect(readUsers(newDir())).toEqual([]);
  });
});
