import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { type ApiResponse, answerOf, baseUrl, dataDir } from './api.ts';
import { ROOT } from './gateway.ts';

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** A CLI of `bin/` run as a user runs it, on the test gateway's data dir. */
export function cli(script: string, args: readonly string[]): CliRun {
  const run = spawnSync(process.execPath, [join(ROOT, 'bin', script), ...args, '--data-dir', dataDir()], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `npm run smart:client -- ...`: the new client's id. */
export function registerClient(args: readonly string[]): string {
  const run = cli('smart-client.ts', args);
  if (run.status !== 0) throw new Error(`smart:client failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** `npm run token -- ...`, which also puts the user on the sign-in page. */
export function addUser(args: readonly string[]): void {
  const run = cli('token.ts', args);
  if (run.status !== 0) throw new Error(`token failed: ${run.stderr}`);
}

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** A form post to the authorization server; redirects are answers here, not followed. */
export async function post(path: string, parameters: Record<string, string>): Promise<ApiResponse> {
  const response = await fetch(`${baseUrl()}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(parameters).toString(),
    redirect: 'manual',
  });
  return answerOf(response);
}

export const REDIRECT_URI = 'https://app.example.test/callback';

export interface LaunchRequest {
  clientId: string;
  user: string;
  scope: string;
  challenge: string;
  state?: string;
  redirectUri?: string;
  aud?: string;
  omit?: readonly string[];
}

export function authorizeParameters(request: LaunchRequest): Record<string, string> {
  const parameters: Record<string, string> = {
    response_type: 'code',
    client_id: request.clientId,
    redirect_uri: request.redirectUri ?? REDIRECT_URI,
    scope: request.scope,
    state: request.state ?? randomUUID(),
    aud: request.aud ?? baseUrl(),
    code_challenge: request.challenge,
    code_challenge_method: 'S256',
  };
  for (const name of request.omit ?? []) delete parameters[name];
  return parameters;
}

/** The user presses "Allow" on the authorize page: where the browser is sent next. */
export async function allow(request: LaunchRequest): Promise<URL> {
  const answer = await post('/auth/authorize', {
    ...authorizeParameters(request),
    user: request.user,
    decision: 'allow',
  });
  const location = answer.headers.get('location');
  if (answer.status !== 303 || !location)
    throw new Error(`authorize answered ${answer.status}: ${answer.text}`);
  return new URL(location);
}

export interface BackendKeys {
  jwks: { keys: JWK[] };
  sign(
    claims: Record<string, unknown>,
    options?: { lifetimeSeconds?: number; jti?: string; kid?: string },
  ): Promise<string>;
  kid: string;
}

/** A backend service's key pair; its public JWKS written to a file for `--jwks`. */
export async function backendKeys(alg: 'ES384' | 'RS384'): Promise<BackendKeys & { file: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid, alg }] };
  const file = join(dataDir(), `jwks-${kid}.json`);
  writeFileSync(file, JSON.stringify(jwks));
  return {
    jwks,
    file,
    kid,
    sign: (claims, options = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg, kid: options.kid ?? kid, typ: 'JWT' })
        .setJti(options.jti ?? randomUUID())
        .setExpirationTime(Math.floor(Date.now() / 1000) + (options.lifetimeSeconds ?? 240))
        .sign(privateKey),
  };
}

/** A client assertion for the token endpoint (SMART Backend Services). */
export const assertionFor = (
  keys: BackendKeys,
  clientId: string,
  options?: { lifetimeSeconds?: number; jti?: string },
): Promise<string> => keys.sign({ iss: clientId, sub: clientId, aud: `${baseUrl()}/auth/token` }, options);

export const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
