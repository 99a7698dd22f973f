import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as z from 'zod/mini';
import { PublicJwks } from '../../../shared/auth/backend-services.ts';
import { parseScopes } from '../../../shared/auth/scopes.ts';
import { BACKEND_ROLES } from '../../../shared/routes.ts';
import { createFile, readIfExists } from './files.ts';

/**
 * Registered SMART clients, one file each under the data dir (written by
 * `npm run smart:client`, read by the gateway on every request, so a new client works at once).
 */
const clientsDir = (dataDir: string): string => join(dataDir, 'smart', 'clients');

/** Also what keeps a client id from naming any other file. */
const CLIENT_ID = /^[A-Za-z0-9_-]{16,64}$/;

/** The algorithms SMART Backend Services names for client assertions. */

export type ClientJwks = PublicJwks;

const ClientRegistration = z.object({
  client_id: z.string().check(z.regex(CLIENT_ID)),
  client_name: z.string().check(z.minLength(1), z.maxLength(200)),
  redirect_uris: z.array(z.string()),
  token_endpoint_auth_method: z.enum(['none', 'private_key_jwt']),
  jwks: z.optional(PublicJwks),
  /** The scopes the client may ask for, space-separated. */
  scope: z.string(),
  /**
   * A backend service's standing: the organization whose records it reaches and the role whose
   * rights bound its system/ scopes (there is no user behind its token to take them from).
   */
  org: z.optional(z.string().check(z.regex(/^[A-Za-z0-9\-.]{1,64}$/))),
  role: z.optional(z.enum(BACKEND_ROLES)),
  registered: z.string(),
});
export type ClientRegistration = z.infer<typeof ClientRegistration>;

/** A registration the CLI refuses, with what to change. */
export class ClientRegistrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ClientRegistrationError';
  }
}

export interface ClientRequest {
  name: string;
  redirectUris: readonly string[];
  public: boolean;
  jwks?: unknown;
  scopes: string;
  /** A backend service's organization and role; an app's users bring their own. */
  org?: string | undefined;
  role?: string | undefined;
}

/**
 * Registers a client: a public app (redirect URIs, PKCE, no secret), a confidential asymmetric
 * app (redirect URIs and a JWKS), or a backend service (a JWKS, `system/` scopes only).
 */
export function registerClient(dataDir: string, request: ClientRequest): ClientRegistration {
  if (request.public && request.jwks !== undefined) {
    throw new ClientRegistrationError('a public client has no keys: give --public or --jwks, not both');
  }
  if (!request.public && request.jwks === undefined) {
    throw new ClientRegistrationError(
      'a confidential client authenticates with its keys: give --jwks <file> (or --public)',
    );
  }
  if (request.public && request.redirectUris.length === 0) {
    throw new ClientRegistrationError('a public client needs at least one --redirect-uri');
  }
  for (const uri of request.redirectUris) assertRedirectUri(uri);

  const { scopes, refused } = parseScopes(request.scopes);
  if (refused[0]) throw new ClientRegistrationError(`scope "${refused[0].scope}": ${refused[0].reason}`);
  if (scopes.length === 0) throw new ClientRegistrationError('--scopes names no scope');
  const backend = request.redirectUris.length === 0;
  for (const scope of scopes) {
    const system = scope.kind === 'resource' && scope.context === 'system';
    if (backend && !system) {
      throw new ClientRegistrationError(
        `a backend service (no redirect URI) gets system/ scopes only, not "${scope.text}"`,
      );
    }
    if (!backend && system) {
      throw new ClientRegistrationError(
        `system/ scopes are for backend services (--jwks without --redirect-uri), not "${scope.text}"`,
      );
    }
  }

  if (backend && (request.org === undefined || request.role === undefined)) {
    throw new ClientRegistrationError(
      `a backend service acts for one organization with one role: give --org <org> and --role ${BACKEND_ROLES.join('|')}`,
    );
  }
  if (!backend && (request.org !== undefined || request.role !== undefined)) {
    throw new ClientRegistrationError(
      '--org and --role are for backend services: an app acts with the rights of its signed-in user',
    );
  }
  const role = BACKEND_ROLES.find((known) => known === request.role);
  if (backend && role === undefined) {
    throw new ClientRegistrationError(`--role must be one of ${BACKEND_ROLES.join(', ')}`);
  }

  let jwks: ClientJwks | undefined;
  if (request.jwks !== undefined) {
    const parsed = PublicJwks.safeParse(request.jwks);
    if (!parsed.success) {
      throw new ClientRegistrationError(
        'the JWKS must be {"keys": [...]} of public RSA or P-384 EC keys (no "d": never register a private key), alg RS384 or ES384',
      );
    }
    jwks = parsed.data;
  }

  const registration: ClientRegistration = {
    client_id: randomBytes(18).toString('base64url'),
    client_name: request.name,
    redirect_uris: [...request.redirectUris],
    token_endpoint_auth_method: request.public ? 'none' : 'private_key_jwt',
    ...(jwks ? { jwks } : {}),
    scope: scopes.map((scope) => scope.text).join(' '),
    ...(backend ? { org: request.org, role } : {}),
    registered: new Date().toISOString(),
  };
  const checked = ClientRegistration.safeParse(registration);
  if (!checked.success) {
    throw new ClientRegistrationError(
      checked.error.issues.some((issue) => issue.path[0] === 'org')
        ? '--org must be an organization id (letters, digits, - and ., at most 64)'
        : '--name must be 1 to 200 characters',
    );
  }
  createFile(
    join(clientsDir(dataDir), `${registration.client_id}.json`),
    `${JSON.stringify(checked.data, null, 2)}\n`,
  );
  return checked.data;
}

/** Exact-match redirect URIs (RFC 9700 §4.1.3): absolute, no fragment, no script schemes. */
function assertRedirectUri(uri: string): void {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ClientRegistrationError(`--redirect-uri "${uri}" is not an absolute URL`);
  }
  if (url.hash !== '' || uri.includes('#')) {
    throw new ClientRegistrationError(`--redirect-uri "${uri}" must not have a fragment`);
  }
  if (['javascript:', 'data:', 'file:', 'vbscript:'].includes(url.protocol)) {
    throw new ClientRegistrationError(`--redirect-uri "${uri}" has a scheme a browser must not be sent to`);
  }
}

export function findClient(dataDir: string, clientId: string): ClientRegistration | undefined {
  if (!CLIENT_ID.test(clientId)) return undefined;
  const text = readIfExists(join(clientsDir(dataDir), `${clientId}.json`));
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = ClientRegistration.safeParse(json);
  return parsed.success && parsed.data.client_id === clientId ? parsed.data : undefined;
}
