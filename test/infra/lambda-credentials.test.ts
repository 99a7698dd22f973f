import { createServer, type Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultProvider } from '../../infra/bundle/lambda-credentials.ts';

/**
 * The credential chain the Lambda bundles carry instead of the SDK's default one
 * (infra/bundle/options.ts): the environment Lambda sets, then a container credentials
 * endpoint, here a real HTTP server on loopback.
 */
const VARIABLES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_PROFILE',
];
const saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]));
const authorizations: (string | undefined)[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    authorizations.push(req.headers.authorization);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        AccessKeyId: 'ASIACONTAINER',
        SecretAccessKey: 'container-secret',
        Token: 'container-session',
        Expiration: new Date(Date.now() + 3_600_000).toISOString(),
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
  const address = server.address();
  endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/credentials`;
});
afterEach(() => {
  for (const name of VARIABLES) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
});
afterAll(() => new Promise<void>((done) => server.close(() => done())));

const clear = () => {
  for (const name of VARIABLES) delete process.env[name];
};

describe('the Lambda credential chain', () => {
  it('takes the role credentials Lambda puts in the environment', async () => {
    clear();
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAENVIRONMENT',
      AWS_SECRET_ACCESS_KEY: 'environment-secret',
      AWS_SESSION_TOKEN: 'environment-session',
    });
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAENVIRONMENT',
      secretAccessKey: 'environment-secret',
      sessionToken: 'environment-session',
    });
  });

  it('falls back to the container credentials endpoint, with its authorization token', async () => {
    clear();
    Object.assign(process.env, {
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint,
      AWS_CONTAINER_AUTHORIZATION_TOKEN: 'container-auth',
    });
    const credentials = await defaultProvider()();
    expect(credentials).toMatchObject({
      accessKeyId: 'ASIACONTAINER',
      secretAccessKey: 'container-secret',
      sessionToken: 'container-session',
    });
    expect(credentials.expiration).toBeInstanceOf(Date);
    expect(authorizations.at(-1)).toBe('container-auth');
  });

  it('prefers the environment when both are there', async () => {
    clear();
    const served = authorizations.length;
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: 'ASIAENVIRONMENT',
      AWS_SECRET_ACCESS_KEY: 'environment-secret',
      AWS_CONTAINER_CREDENTIALS_FULL_URI: endpoint,
    });
    await expect(defaultProvider()()).resolves.toMatchObject({ accessKeyId: 'ASIAENVIRONMENT' });
    expect(authorizations.length).toBe(served);
  });

  it('fails without either, and reads no profile or SSO configuration', async () => {
    clear();
    process.env.AWS_PROFILE = 'someone';
    await expect(defaultProvider()()).rejects.toThrow(/environment variable credentials/);
  });
});
