import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * What must never appear in a log line: tokens, key material, and the PHI of the FHIR
 * examples every run stores. Returns the findings (a short label each, never the secret).
 */
export function secretsInLog(logText: string, keyDir: string, phi: readonly string[]): string[] {
  const findings: string[] = [];
  if (/eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]*/.test(logText)) findings.push('a JWT');
  // RFC 6750 b64token characters: the gateway's own "no bearer token" reason is not a token.
  if (/Bearer\s+[\w.~+/-]{20,}/i.test(logText)) findings.push('an Authorization header');
  for (const file of ['data.key', 'index.key']) {
    const key = readFileSync(join(keyDir, file));
    for (const encoding of ['base64', 'base64url', 'hex'] as const) {
      if (logText.includes(key.toString(encoding))) findings.push(`${file} as ${encoding}`);
    }
  }
  for (const file of ['issuer.private.jwk.json', 'audit-signing.private.pem']) {
    const text = readFileSync(join(keyDir, file), 'utf8');
    const secret = /"d"\s*:\s*"([\w-]+)"/.exec(text)?.[1] ?? text.split('\n')[1];
    if (secret && logText.includes(secret)) findings.push(`${file}`);
  }
  const lower = logText.toLowerCase();
  for (const value of phi)
    if (lower.includes(value.toLowerCase())) findings.push(`PHI "${value.slice(0, 3)}…"`);
  return findings;
}

/** Names, birth dates and address lines of the FHIR spec examples in test/fixtures. */
export const FIXTURE_PHI = [
  'Chalmers',
  'Windsor',
  '1974-12-25',
  '534 Erewhon St',
  'van de Heuvel',
  'Van Egmondkade',
  '1944-11-17',
  'Roelof Olaf',
  'Bos en Lommerplein',
  '1960-03-13',
  'Everywoman',
  '2222 Home Street',
  '1973-05-31',
];
