import { constants, generateKeyPairSync, type KeyObject, privateEncrypt } from 'node:crypto';
import { createLocalJWKSet, exportJWK, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiTokenIssuers,
  authorizeToken,
  claimsOfAuthorizer,
  TokenRefusedError,
  verifyApiToken,
} from '../../../shared/auth/api-tokens.ts';
import { backendTokenClaims, signJwt } from '../../../shared/auth/backend-services.ts';
import { principalFromClaims } from '../../../shared/auth/principal.ts';
import { kmsPublicKey, kmsRs384Signer } from '../../../shared/crypto/token-key.ts';

const POOL = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Test';
const BASE = 'https://api.example.com';
const METHOD_ARN = 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/GET/Patient/p-1';
const SHA384_DIGEST_INFO = Buffer.from('3041300d060960864801650304020205000430', 'hex');

/** KMS as far as Sign and GetPublicKey go: RSASSA-PKCS1-v1_5 over the digest it is sent. */
function kmsWith(privateKey: KeyObject, publicKey: KeyObject, fail?: Error) {
  const sent: { name: string; input: Record<string, unknown> }[] = [];
  return {
    sent,
    send: async (command: { constructor: { name: string }; input: unknown }) => {
      const input = command.input as Record<string, unknown>;
      sent.push({ name: command.constructor.name, input });
      if (fail) throw fail;
      if (command.constructor.name === 'GetPublicKeyCommand') {
        return { PublicKey: new Uint8Array(publicKey.export({ format: 'der', type: 'spki' })) };
      }
      const digest = input.Message as Uint8Array;
      return {
        Signature: new Uint8Array(
          privateEncrypt(
            { key: privateKey, padding: constants.RSA_PKCS1_PADDING },
            Buffer.concat([SHA384_DIGEST_INFO, digest]),
          ),
        ),
      };
    },
  };
}

const pool = generateKeyPairSync('rsa', { modulusLength: 2048 });
const tokenKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
let issuers: ApiTokenIssuers;

beforeAll(async () => {
  const jwk = { ...(await exportJWK(pool.publicKey)), kid: 'pool-1', alg: 'RS256' };
  issuers = {
    userPool: {
      issuer: POOL,
      clientIds: ['app-client', 'smart-app'],
      keys: createLocalJWKSet({ keys: [jwk] }),
    },
    backend: {
      issuer: BASE,
      key: () => kmsPublicKey(kmsWith(tokenKey.privateKey, tokenKey.publicKey), 'arn:key'),
    },
  };
});

const userPoolToken = (claims: Record<string, unknown>, key: KeyObject = pool.privateKey, lifetime = 900) =>
  new SignJWT({ 'cognito:groups': ['clinician'], 'custom:org': 'org-a', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'pool-1' })
    .setSubject('user-1')
    .setIssuer(POOL)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + lifetime)
    .sign(key);

const backendToken = async (overrides: Partial<ReturnType<typeof backendTokenClaims>> = {}, key = tokenKey) =>
  signJwt(
    {
      ...backendTokenClaims({
        issuer: BASE,
        clientId: 'analytics',
        org: 'org-a',
        role: 'admin',
        scope: 'system/Patient.rs',
        jti: 'j-1',
        lifetimeSeconds: 300,
      }),
      ...overrides,
    },
    { alg: 'RS384', kid: 'k' },
    kmsRs384Signer(kmsWith(key.privateKey, key.publicKey), 'arn:key'),
  );

describe('the API authorizer’s verification', () => {
  it('takes the user pool’s ID tokens of its app clients, and its access tokens with SMART scopes', async () => {
    const id = await verifyApiToken(await userPoolToken({ token_use: 'id', aud: 'app-client' }), issuers);
    expect(id.sub).toBe('user-1');
    const access = await verifyApiToken(
      await userPoolToken({
        token_use: 'access',
        client_id: 'smart-app',
        scope: 'openid smart/fhirUser patient/*.rs',
      }),
      issuers,
    );
    expect(access.scope).toBe('openid fhirUser patient/*.rs');
  });

  it('refuses another app client’s, another key’s, an expired and an unknown issuer’s token', async () => {
    const refused = [
      await userPoolToken({ token_use: 'id', aud: 'someone-else' }),
      await userPoolToken({ token_use: 'access', client_id: 'someone-else' }),
      await userPoolToken({ token_use: 'refresh', aud: 'app-client' }),
      await userPoolToken({ token_use: 'id', aud: 'app-client' }, other.privateKey),
      await userPoolToken({ token_use: 'id', aud: 'app-client' }, pool.privateKey, -60),
      await new SignJWT({ token_use: 'id', aud: 'app-client' })
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('https://elsewhere.example')
        .setSubject('x')
        .setExpirationTime('5m')
        .sign(pool.privateKey),
      'not-a-jwt',
    ];
    for (const token of refused)
      await expect(verifyApiToken(token, issuers)).rejects.toThrow(TokenRefusedError);
  });

  it('takes a backend token signed through KMS (RS384 from a digest), and refuses a forged or user-shaped one', async () => {
    const claims = await verifyApiToken(await backendToken(), issuers);
    const principal = principalFromClaims(claims);
    expect(principal).toMatchObject({ sub: 'analytics', role: 'admin', org: 'org-a', backendService: true });
    await expect(verifyApiToken(await backendToken({}, other), issuers)).rejects.toThrow(TokenRefusedError);
    await expect(verifyApiToken(await backendToken({ sub: 'user-1' }), issuers)).rejects.toThrow(
      TokenRefusedError,
    );
    await expect(
      verifyApiToken(await backendToken({ aud: 'https://other.example' }), issuers),
    ).rejects.toThrow(TokenRefusedError);
    const old = Math.floor(Date.now() / 1000) - 3600;
    await expect(verifyApiToken(await backendToken({ iat: old, exp: old + 7200 }), issuers)).rejects.toThrow(
      TokenRefusedError,
    );
  });

  it('signs what KMS is asked for: the SHA-384 digest, RSASSA_PKCS1_V1_5_SHA_384, the key given', async () => {
    const kms = kmsWith(tokenKey.privateKey, tokenKey.publicKey);
    await kmsRs384Signer(kms, 'arn:aws:kms:eu-west-1:123456789012:key/k')(Buffer.from('a.b'));
    expect(kms.sent[0]?.input).toMatchObject({
      KeyId: 'arn:aws:kms:eu-west-1:123456789012:key/k',
      MessageType: 'DIGEST',
      SigningAlgorithm: 'RSASSA_PKCS1_V1_5_SHA_384',
    });
    const digest = kms.sent[0]?.input.Message;
    expect(digest instanceof Uint8Array && digest.length).toBe(48);
  });
});

describe('the authorizer’s answer', () => {
  it('allows every method of the stage with the claims as one flat JSON value, which a function reads back', async () => {
    const answer = await authorizeToken(
      { authorizationToken: `Bearer ${await backendToken()}`, methodArn: METHOD_ARN },
      issuers,
    );
    expect(answer.policyDocument.Statement).toEqual([
      {
        Action: 'execute-api:Invoke',
        Effect: 'Allow',
        Resource: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/prod/*',
      },
    ]);
    expect(answer.principalId).toBe('analytics');
    for (const value of Object.values(answer.context ?? {})) expect(typeof value).toBe('string');
    const principal = principalFromClaims(
      claimsOfAuthorizer({ principalId: answer.principalId, ...answer.context }),
    );
    expect(principal).toMatchObject({
      sub: 'analytics',
      backendService: true,
      scopes: [expect.objectContaining({ text: 'system/Patient.rs' })],
    });
    // Nothing but the Principal's claims travels (no iat, exp, jti, iss).
    expect(Object.keys(JSON.parse(String(answer.context?.claims))).sort()).toEqual(
      ['client_id', 'cognito:groups', 'custom:org', 'scope', 'sub', 'token_use'].sort(),
    );
  });

  it('answers API Gateway’s Unauthorized to no token, a malformed header and a refused token', async () => {
    for (const authorizationToken of [
      undefined,
      '',
      'Basic abc',
      'Bearer',
      `Bearer ${await backendToken({}, other)}`,
    ]) {
      await expect(
        authorizeToken(
          { ...(authorizationToken === undefined ? {} : { authorizationToken }), methodArn: METHOD_ARN },
          issuers,
        ),
      ).rejects.toThrow(/^Unauthorized$/);
    }
  });

  it('fails closed, and not as a 401, when the token key cannot be read from KMS', async () => {
    const failing: ApiTokenIssuers = {
      ...issuers,
      backend: {
        issuer: BASE,
        key: () =>
          kmsPublicKey(
            kmsWith(tokenKey.privateKey, tokenKey.publicKey, new Error('KMS throttled')),
            'arn:key',
          ),
      },
    };
    await expect(
      authorizeToken(
        { authorizationToken: `Bearer ${await backendToken()}`, methodArn: METHOD_ARN },
        failing,
      ),
    ).rejects.toThrow(/KMS throttled/);
  });

  it('fails closed, and not as a 401, when the user pool’s JWKS cannot be fetched', async () => {
    const unreachable: ApiTokenIssuers = {
      ...issuers,
      userPool: { ...issuers.userPool, keys: async () => Promise.reject(new TypeError('fetch failed')) },
    };
    const token = await userPoolToken({ token_use: 'id', aud: 'app-client' });
    await expect(
      authorizeToken({ authorizationToken: `Bearer ${token}`, methodArn: METHOD_ARN }, unreachable),
    ).rejects.toThrow(/fetch failed/);
  });

  it('reads claims the Cognito authorizer left as an object, and nothing from a malformed context', () => {
    expect(claimsOfAuthorizer({ claims: { sub: 'u' } })).toEqual({ sub: 'u' });
    expect(claimsOfAuthorizer({ claims: '{not json' })).toBeUndefined();
    expect(claimsOfAuthorizer(null)).toBeUndefined();
  });
});
