import { createHash, timingSafeEqual } from 'node:crypto';
import { jwtVerify } from 'jose';
import { backendScope } from '../../../shared/auth/backend-services.ts';
import { parseScopes, scopeCovers } from '../../../shared/auth/scopes.ts';
import { authenticateClient } from './client-auth.ts';
import type { Grant, GrantStore } from './grants.ts';
import {
  type AuthorizationAnswer,
  type AuthorizationRequest,
  baseUrlOf,
  formOf,
  json,
  OAuthError,
  required,
} from './oauth.ts';
import {
  ACCESS_TOKEN_LIFETIME_SECONDS,
  BACKEND_TOKEN_LIFETIME_SECONDS,
  fhirUserOf,
  type IssuerKey,
  signAccessToken,
  signIdToken,
} from './tokens.ts';
import { findUser, type LocalUser } from './users.ts';

export interface TokenContext {
  dataDir: string;
  issuer: IssuerKey;
  grants: GrantStore;
}

const invalidGrant = (description: string) => new OAuthError('invalid_grant', description);
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** `POST /auth/token`: the authorization code, refresh token and client credentials grants. */
export async function token(
  request: AuthorizationRequest,
  context: TokenContext,
): Promise<AuthorizationAnswer> {
  const base = baseUrlOf(request);
  const form = formOf(request);
  const grantType = required(form, 'grant_type');
  if (!['authorization_code', 'refresh_token', 'client_credentials'].includes(grantType)) {
    throw new OAuthError('unsupported_grant_type', `grant_type ${grantType} is not supported`);
  }
  const caller = await authenticateClient(form, context.dataDir, context.grants, `${base}/auth/token`);
  const clientId = caller.client.client_id;

  if (grantType === 'authorization_code') {
    const secret = required(form, 'code');
    const redeemed = context.grants.redeemCode(secret);
    if (!redeemed.ok) throw invalidGrant(redeemed.reason);
    const { code } = redeemed;
    if (code.clientId !== clientId) throw invalidGrant('the code was issued to another client');
    if (form.get('redirect_uri') !== code.redirectUri) {
      throw invalidGrant('redirect_uri must be the one of the authorization request');
    }
    const verifier = form.get('code_verifier');
    if (!verifier) throw invalidGrant('code_verifier is required (PKCE)');
    if (!PKCE_VERIFIER.test(verifier) || !sameText(s256(verifier), code.codeChallenge)) {
      throw invalidGrant('code_verifier does not match the code_challenge');
    }
    const user = userOf(context, code);
    return json(200, await userTokens(context, code, code, user, secret));
  }

  if (grantType === 'refresh_token') {
    const used = context.grants.useRefreshToken(required(form, 'refresh_token'), clientId);
    if (!used.ok) {
      throw invalidGrant(
        used.reason === 'replayed'
          ? 'the refresh token was already used: every token of its grant is revoked'
          : `the refresh token is ${used.reason === 'other client' ? 'not this client’s' : used.reason}`,
      );
    }
    // A narrower scope for this access token only; the new refresh token keeps the grant (§6).
    let access = used.grant;
    const narrower = form.get('scope');
    if (narrower !== undefined) {
      const granted = parseScopes(used.grant.scope).scopes;
      const { scopes, refused } = parseScopes(narrower);
      const wider = refused[0]?.scope ?? scopes.find((scope) => !scopeCovers(granted, scope))?.text;
      if (wider !== undefined) throw new OAuthError('invalid_scope', `${wider} was not granted`);
      access = { ...used.grant, scope: scopes.map((scope) => scope.text).join(' ') };
    }
    return json(
      200,
      await userTokens(context, access, used.grant, userOf(context, used.grant), undefined, used.family),
    );
  }

  if (caller.method !== 'private_key_jwt') {
    throw new OAuthError(
      'unauthorized_client',
      'client_credentials is for clients that authenticate with private_key_jwt',
    );
  }
  const { org, role } = caller.client;
  if (org === undefined || role === undefined || caller.client.redirect_uris.length > 0) {
    throw new OAuthError(
      'unauthorized_client',
      'client_credentials is for backend services, registered with --jwks, --org and --role and no redirect URI',
    );
  }
  const scope = backendScope(form.get('scope'), caller.client.scope);
  const grant: Grant = { clientId, scope, aud: base };
  // The backend is its own subject (sub = client_id): the API reads that as the system/ context.
  const service = { sub: clientId, role, org };
  const issued = await signAccessToken(context.issuer, grant, service, BACKEND_TOKEN_LIFETIME_SECONDS);
  return json(200, {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: BACKEND_TOKEN_LIFETIME_SECONDS,
    scope: grant.scope,
  });
}

function userOf(context: TokenContext, grant: Grant): LocalUser {
  const user = grant.sub ? findUser(context.dataDir, grant.sub) : undefined;
  if (!user) throw invalidGrant('the user of this grant is no longer in the data dir');
  return user;
}

/** The access token, and the ID and refresh tokens the granted scopes ask for. */
async function userTokens(
  context: TokenContext,
  access: Grant,
  grant: Grant,
  user: LocalUser,
  codeSecret: string | undefined,
  family?: string,
): Promise<Record<string, unknown>> {
  const issued = await signAccessToken(context.issuer, access, user, ACCESS_TOKEN_LIFETIME_SECONDS);
  const scopes = access.scope.split(' ');
  const answer: Record<string, unknown> = {
    access_token: issued.token,
    token_type: 'Bearer',
    expires_in: ACCESS_TOKEN_LIFETIME_SECONDS,
    scope: access.scope,
    ...(access.patient ? { patient: access.patient } : {}),
  };
  if (scopes.includes('openid')) {
    const fhirUser = scopes.includes('fhirUser') ? fhirUserOf(user, access.aud) : undefined;
    answer.id_token = await signIdToken(context.issuer, access, user, fhirUser);
  }
  let refreshFamily: string | undefined;
  if (grant.scope.split(' ').includes('offline_access')) {
    const refresh = context.grants.issueRefreshToken(grant, family);
    answer.refresh_token = refresh.token;
    refreshFamily = refresh.family;
  }
  if (codeSecret)
    context.grants.recordCodeTokens(codeSecret, { jti: issued.jti, exp: issued.exp }, refreshFamily);
  return answer;
}

const s256 = (verifier: string): string => createHash('sha256').update(verifier).digest('base64url');

function sameText(one: string, other: string): boolean {
  const a = Buffer.from(one);
  const b = Buffer.from(other);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The claims of an access token this server issued for `base`, if it is one and not revoked. */
async function accessTokenClaims(context: TokenContext, token: string, base: string) {
  try {
    const { payload } = await jwtVerify(token, context.issuer.publicKey, {
      algorithms: ['ES256'],
      issuer: base,
      audience: base,
      requiredClaims: ['exp', 'jti', 'sub'],
    });
    if (payload.token_use !== 'access' || !payload.jti || context.grants.isRevoked(payload.jti))
      return undefined;
    return payload;
  } catch {
    return undefined;
  }
}

/**
 * What introspection and revocation start from: the calling client, authenticated as at the
 * token endpoint, the token it presents, and that token's claims if it is one of our access tokens.
 */
async function presentedToken(request: AuthorizationRequest, context: TokenContext) {
  const base = baseUrlOf(request);
  const form = formOf(request);
  const caller = await authenticateClient(form, context.dataDir, context.grants, `${base}/auth/token`);
  const presented = required(form, 'token');
  return { caller, presented, claims: await accessTokenClaims(context, presented, base) };
}

/**
 * `POST /auth/introspect` (RFC 7662). The caller authenticates as a client; a public client
 * learns only about its own tokens, whose content it holds anyway.
 */
export async function introspect(
  request: AuthorizationRequest,
  context: TokenContext,
): Promise<AuthorizationAnswer> {
  const { caller, presented, claims } = await presentedToken(request, context);
  const visible = (clientId: unknown) =>
    caller.method === 'private_key_jwt' || clientId === caller.client.client_id;

  if (claims && visible(claims.client_id)) {
    return json(200, {
      active: true,
      token_type: 'Bearer',
      scope: claims.scope,
      client_id: claims.client_id,
      sub: claims.sub,
      exp: claims.exp,
      iat: claims.iat,
      iss: claims.iss,
      aud: claims.aud,
      ...(typeof claims.patient === 'string' ? { patient: claims.patient } : {}),
    });
  }
  const refresh = claims ? undefined : context.grants.activeRefreshToken(presented);
  if (refresh && visible(refresh.grant.clientId)) {
    return json(200, {
      active: true,
      token_type: 'refresh_token',
      scope: refresh.grant.scope,
      client_id: refresh.grant.clientId,
      ...(refresh.grant.sub ? { sub: refresh.grant.sub } : {}),
      exp: refresh.exp,
      ...(refresh.grant.patient ? { patient: refresh.grant.patient } : {}),
    });
  }
  return json(200, { active: false });
}

/** `POST /auth/revoke` (RFC 7009): a client revokes its own access or refresh token; always 200. */
export async function revoke(
  request: AuthorizationRequest,
  context: TokenContext,
): Promise<AuthorizationAnswer> {
  const { caller, presented, claims } = await presentedToken(request, context);
  if (claims) {
    if (claims.client_id === caller.client.client_id && claims.jti && claims.exp) {
      context.grants.revoke(claims.jti, claims.exp);
    }
  } else {
    context.grants.revokeRefreshToken(presented, caller.client.client_id);
  }
  return { status: 200, headers: { 'Cache-Control': 'no-store' }, body: '' };
}
