import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { appendLine, readIfExists, readLines, writeFileAtomically } from './files.ts';

/** What a user (or a backend service) granted a client: carried from the code to every token. */
export interface Grant {
  clientId: string;
  /** The user's `sub`; absent for a backend service. */
  sub?: string;
  /** The granted scopes, space-separated, as the token's `scope` names them. */
  scope: string;
  /** The FHIR base URL the token is for (its `aud`). */
  aud: string;
  /** The launch patient, when `launch/patient` was granted. */
  patient?: string;
  nonce?: string;
}

export interface AuthorizationCode extends Grant {
  redirectUri: string;
  codeChallenge: string;
  expiresAt: number;
}

/** Codes live for a minute (RFC 6749 §4.1.2 asks for at most ten). */
export const CODE_LIFETIME_SECONDS = 60;
export const REFRESH_LIFETIME_SECONDS = 30 * 24 * 3600;

/** Refresh tokens are kept by hash: the data dir never holds a live bearer secret. */
const digest = (secret: string): string => createHash('sha256').update(secret).digest('base64url');
const newSecret = (): string => randomBytes(32).toString('base64url');
const now = (): number => Math.floor(Date.now() / 1000);

const RefreshRecord = z.object({
  clientId: z.string(),
  sub: z.optional(z.string()),
  scope: z.string(),
  aud: z.string(),
  patient: z.optional(z.string()),
  /** Every refresh token rotated from one authorization shares it: a replay ends them all. */
  family: z.string(),
  exp: z.number(),
  status: z.enum(['active', 'rotated', 'revoked']),
});
type RefreshRecord = z.infer<typeof RefreshRecord>;
const RefreshFile = z.record(z.string(), RefreshRecord);
const Revocation = z.object({ jti: z.string(), exp: z.number() });

export type RefreshOutcome =
  | { ok: true; grant: Grant; family: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'replayed' | 'revoked' | 'other client' };

/**
 * The authorization server's state. Codes and seen assertion ids stay in memory (they live a
 * minute or five); refresh tokens and revocations are in the data dir and survive a restart.
 * The gateway is their only writer, and Node runs one request's synchronous steps at a time,
 * so "used once" holds without locks.
 */
export class GrantStore {
  private readonly codes = new Map<string, AuthorizationCode>();
  /** Redeemed codes, for a minute: a second use revokes what the first one got (RFC 6749 §4.1.2). */
  private readonly redeemed = new Map<
    string,
    { expiresAt: number; tokens: { jti: string; exp: number }[]; family?: string }
  >();
  private readonly assertions = new Map<string, number>();
  private readonly revoked = new Map<string, number>();
  private refresh: Record<string, RefreshRecord>;
  private readonly refreshFile: string;
  private readonly revokedFile: string;

  constructor(dataDir: string) {
    this.refreshFile = join(dataDir, 'smart', 'refresh-tokens.json');
    this.revokedFile = join(dataDir, 'smart', 'revoked-tokens.jsonl');
    const text = readIfExists(this.refreshFile);
    const parsed = RefreshFile.safeParse(text === undefined ? {} : safeJson(text));
    this.refresh = parsed.success ? parsed.data : {};
    for (const line of readLines(this.revokedFile)) {
      const revocation = Revocation.safeParse(line);
      if (revocation.success && revocation.data.exp > now())
        this.revoked.set(revocation.data.jti, revocation.data.exp);
    }
  }

  issueCode(code: Omit<AuthorizationCode, 'expiresAt'>): string {
    this.prune();
    const secret = newSecret();
    this.codes.set(digest(secret), { ...code, expiresAt: now() + CODE_LIFETIME_SECONDS });
    return secret;
  }

  /**
   * Takes the code out: whatever the token request's outcome, it cannot be tried again. A code
   * presented a second time answers `replayed` and ends the tokens issued for it.
   */
  redeemCode(secret: string): { ok: true; code: AuthorizationCode } | { ok: false; reason: string } {
    const key = digest(secret);
    const code = this.codes.get(key);
    if (!code) {
      const first = this.redeemed.get(key);
      if (first && first.expiresAt > now()) {
        for (const token of first.tokens) this.revoke(token.jti, token.exp);
        if (first.family) this.endFamily(first.family);
        return { ok: false, reason: 'the code was already used: the tokens it gave are revoked' };
      }
      return { ok: false, reason: 'the code is unknown or expired' };
    }
    this.codes.delete(key);
    this.redeemed.set(key, { expiresAt: now() + CODE_LIFETIME_SECONDS, tokens: [] });
    if (code.expiresAt <= now()) return { ok: false, reason: 'the code is unknown or expired' };
    return { ok: true, code };
  }

  /** Remembers what a redeemed code gave, so that its replay can take it back. */
  recordCodeTokens(secret: string, token: { jti: string; exp: number }, family: string | undefined): void {
    const entry = this.redeemed.get(digest(secret));
    if (!entry) return;
    entry.tokens.push(token);
    if (family) entry.family = family;
  }

  issueRefreshToken(grant: Grant, family?: string): { token: string; family: string } {
    const token = newSecret();
    const chosenFamily = family ?? newSecret();
    this.refresh[digest(token)] = {
      clientId: grant.clientId,
      ...(grant.sub ? { sub: grant.sub } : {}),
      scope: grant.scope,
      aud: grant.aud,
      ...(grant.patient ? { patient: grant.patient } : {}),
      family: chosenFamily,
      exp: now() + REFRESH_LIFETIME_SECONDS,
      status: 'active',
    };
    this.saveRefresh();
    return { token, family: chosenFamily };
  }

  /**
   * Rotation (RFC 9700 §4.14.2): the presented refresh token dies here; presenting it again
   * ends every token of its family, since one of the two presenters is not the client.
   */
  useRefreshToken(token: string, clientId: string): RefreshOutcome {
    const record = this.refresh[digest(token)];
    if (!record) return { ok: false, reason: 'unknown' };
    if (record.clientId !== clientId) return { ok: false, reason: 'other client' };
    if (record.status === 'rotated') {
      this.endFamily(record.family);
      return { ok: false, reason: 'replayed' };
    }
    if (record.status === 'revoked') return { ok: false, reason: 'revoked' };
    if (record.exp <= now()) return { ok: false, reason: 'expired' };
    record.status = 'rotated';
    this.saveRefresh();
    return { ok: true, grant: grantOf(record), family: record.family };
  }

  /** An active refresh token's grant and expiry, for introspection. */
  activeRefreshToken(token: string): { grant: Grant; exp: number } | undefined {
    const record = this.refresh[digest(token)];
    if (record?.status !== 'active' || record.exp <= now()) return undefined;
    return { grant: grantOf(record), exp: record.exp };
  }

  /** RFC 7009: a client revokes its own refresh token; another client's is left alone. */
  revokeRefreshToken(token: string, clientId: string): boolean {
    const record = this.refresh[digest(token)];
    if (!record || record.clientId !== clientId) return false;
    record.status = 'revoked';
    this.saveRefresh();
    return true;
  }

  revoke(jti: string, exp: number): void {
    if (this.revoked.has(jti)) return;
    this.revoked.set(jti, exp);
    appendLine(this.revokedFile, { jti, exp });
  }

  isRevoked(jti: string): boolean {
    return this.revoked.has(jti);
  }

  /** Records an assertion's `jti` until it expires; false when it was seen before (a replay). */
  firstUseOfAssertion(clientId: string, jti: string, exp: number): boolean {
    this.prune();
    const key = `${clientId} ${jti}`;
    if (this.assertions.has(key)) return false;
    this.assertions.set(key, exp);
    return true;
  }

  private endFamily(family: string): void {
    for (const record of Object.values(this.refresh)) {
      if (record.family === family && record.status === 'active') record.status = 'revoked';
    }
    this.saveRefresh();
  }

  private saveRefresh(): void {
    const live: Record<string, RefreshRecord> = {};
    for (const [key, record] of Object.entries(this.refresh)) if (record.exp > now()) live[key] = record;
    this.refresh = live;
    writeFileAtomically(this.refreshFile, `${JSON.stringify(live)}\n`);
  }

  private prune(): void {
    const at = now();
    for (const [key, code] of this.codes) if (code.expiresAt <= at) this.codes.delete(key);
    for (const [key, entry] of this.redeemed) if (entry.expiresAt <= at) this.redeemed.delete(key);
    for (const [key, exp] of this.assertions) if (exp <= at) this.assertions.delete(key);
  }
}

const grantOf = (record: RefreshRecord): Grant => ({
  clientId: record.clientId,
  ...(record.sub ? { sub: record.sub } : {}),
  scope: record.scope,
  aud: record.aud,
  ...(record.patient ? { patient: record.patient } : {}),
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
