/**
 * `npm run smart:client -- --name <n> (--redirect-uri <url>… [--public] | --jwks <file> --org <org> --role admin|compliance) --scopes "<scopes>" [--json]`
 * registers a SMART client with the local authorization server of the data dir and prints its
 * client_id (the whole registration as JSON with --json). The running gateway sees it at once.
 * A backend service (keys, no redirect URI) acts for one organization with one role.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ClientRegistrationError, registerClient } from '../infra/local/smart/clients.ts';

const usage =
  'usage: npm run smart:client -- --name <name> (--redirect-uri <url>... [--public] | --jwks <file> --org <org> --role admin|compliance) --scopes "<scopes>" [--json] [--data-dir .data]';

function readJwks(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    throw new ClientRegistrationError(`--jwks ${file} cannot be read as JSON`);
  }
}

try {
  const { values } = parseArgs({
    options: {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true, default: [] },
      public: { type: 'boolean', default: false },
      jwks: { type: 'string' },
      org: { type: 'string' },
      role: { type: 'string' },
      scopes: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  if (!values.name || !values.scopes) throw new ClientRegistrationError(usage);
  const dataDir = resolve(
    values['data-dir'] ?? process.env.DATA_DIR ?? join(import.meta.dirname, '..', '.data'),
  );
  const registration = registerClient(dataDir, {
    name: values.name,
    redirectUris: values['redirect-uri'],
    public: values.public,
    ...(values.jwks ? { jwks: readJwks(values.jwks) } : {}),
    scopes: values.scopes,
    org: values.org,
    role: values.role,
  });
  const { jwks: _keys, ...shown } = registration;
  process.stdout.write(values.json ? `${JSON.stringify(shown, null, 2)}\n` : `${registration.client_id}\n`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  if (!(error instanceof ClientRegistrationError)) console.error(usage);
  process.exit(2);
}
