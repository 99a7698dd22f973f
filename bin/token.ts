/**
 * `npm run token -- --role clinician --org org-1 --sub dr-1 --practitioner pr-1 [--ttl 15m]`
 * prints one ID token signed by the local issuer of the data dir (and nothing else), and adds
 * the user to the data dir's users, whom the local SMART sign-in page lists.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../infra/local/issuer.ts';
import { recordUser } from '../infra/local/smart/users.ts';
import { ensureLocalKeyMaterial } from '../shared/crypto/local-keys.ts';
import { ROLES, type Role } from '../shared/routes.ts';

const usage =
  'usage: npm run token -- --role <patient|clinician|compliance|admin> --org <org> --sub <id> [--patient <Patient id>] [--practitioner <Practitioner id>] [--ttl 15m]';

function ttlSeconds(text: string): number {
  const match = /^(\d+)([smh]?)$/.exec(text);
  if (!match?.[1]) throw new Error('--ttl takes a duration such as 900, 15m or 1h');
  const scale = { '': 1, s: 1, m: 60, h: 3600 }[match[2] ?? ''] ?? 1;
  return Number(match[1]) * scale;
}

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

try {
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      org: { type: 'string' },
      sub: { type: 'string' },
      patient: { type: 'string' },
      practitioner: { type: 'string' },
      ttl: { type: 'string', default: '15m' },
      'data-dir': { type: 'string' },
    },
  });
  const { role, org, sub } = values;
  if (!role || !isRole(role) || !org || !sub) throw new Error(usage);
  const dataDir = resolve(
    values['data-dir'] ?? process.env.DATA_DIR ?? join(import.meta.dirname, '..', '.data'),
  );
  const keyDir = join(dataDir, 'keys');
  ensureLocalKeyMaterial(keyDir);
  const user = {
    role,
    org,
    sub,
    ...(values.patient ? { patientId: values.patient } : {}),
    ...(values.practitioner ? { practitionerId: values.practitioner } : {}),
  };
  const token = await mintToken(keyDir, { ...user, ttlSeconds: ttlSeconds(values.ttl) });
  // The local authorization server's sign-in page offers the users a token was made for.
  recordUser(dataDir, user);
  process.stdout.write(`${token}\n`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(2);
}
