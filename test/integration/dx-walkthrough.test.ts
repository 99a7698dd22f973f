import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { field } from '../support/api.ts';
import { newDataDir, ROOT, type RunningGateway, startGateway } from '../support/gateway.ts';

/**
 * The README's "A walk-through with curl", run verbatim: its sh blocks, as bash with
 * `-euo pipefail`, against a gateway of its own (a fresh data dir, so org-1 is empty).
 */
function walkthroughScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## A walk-through with curl\n');
  expect(start, 'README has no walk-through section').toBeGreaterThan(0);
  const next = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, next === -1 ? undefined : next);
  const blocks = [...section.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  expect(blocks.length, 'the walk-through has no sh block').toBeGreaterThan(0);
  return blocks.join('\n');
}

/** The SMART section's standalone launch with curl, which goes on from the walk-through's patient. */
function smartLaunchScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n**A standalone launch with curl**');
  expect(start, 'README has no SMART launch walk-through').toBeGreaterThan(0);
  const block = /^```sh\n([\s\S]*?)^```$/m.exec(readme.slice(start));
  expect(block, 'the SMART launch walk-through has no sh block').not.toBeNull();
  return block?.[1] ?? '';
}

function runBash(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
    child.once('exit', (code) => done({ code, out, err }));
  });
}

const dataDir = newDataDir();
let gateway: RunningGateway;
beforeAll(async () => {
  gateway = await startGateway(dataDir);
});
afterAll(async () => {
  await gateway?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the README walk-through', () => {
  it('runs verbatim: every call succeeds, the search finds the patient after the PUT, the booking answers 201, and the SMART launch after it reads her visit and is refused a write', async () => {
    const { code, out, err } = await runBash(`${walkthroughScript()}\n${smartLaunchScript()}`, {
      API: gateway.url,
      DATA_DIR: dataDir,
    });
    expect(code, `stderr:\n${err}\nstdout:\n${out}`).toBe(0);

    const lines = out.split('\n');
    const json = lines.filter((line) => line.startsWith('{')).map((line): unknown => JSON.parse(line));
    const ofType = (type: string) => json.filter((body) => JSON.stringify(body).includes(`"type":"${type}"`));

    // The read, the PUT's answer and the search all show the whole patient: nothing was erased.
    const searchset = ofType('searchset').find((body) =>
      JSON.stringify(body).includes('"resourceType":"Patient"'),
    );
    expect(searchset, out).toMatchObject({
      resourceType: 'Bundle',
      entry: [
        {
          resource: {
            name: [{ family: 'Müller' }],
            birthDate: '1980-04-02',
            telecom: [{ value: '+31 20 555 0199' }],
          },
        },
      ],
    });
    const history = ofType('history')[0];
    expect(Array.isArray(field(history, 'entry')) && field(history, 'entry', 'length')).toBe(2);
    // $availability answers free Slots of the practitioner's working hours.
    expect(out).toMatch(/"resourceType":"Slot"[^\n]*"status":"free"/);
    expect(out).toMatch(/^HTTP\/1\.1 201 /m);
    expect(out).toMatch(/"resourceType":"Appointment"[^\n]*"status":"booked"/);

    // Then SMART's standalone launch: the token answer, her visit, the refused write.
    const granted = json.find((body) => field(body, 'token_type') === 'Bearer');
    expect(granted, out).toMatchObject({ scope: 'launch/patient openid fhirUser patient/*.rs' });
    expect(field(granted, 'patient')).toBe(field(searchset, 'entry', 0, 'resource', 'id'));
    expect(typeof field(granted, 'id_token')).toBe('string');
    const visits = ofType('searchset').find((body) =>
      JSON.stringify(body).includes('"resourceType":"Appointment"'),
    );
    expect(field(visits, 'entry', 0, 'resource', 'status')).toBe('booked');
    expect(json.at(-1)).toMatchObject({
      resourceType: 'OperationOutcome',
      issue: [{ code: 'forbidden', diagnostics: "the token's scopes do not grant patient/Appointment.c" }],
    });
  }, 120_000);
});

describe('the README for a newcomer', () => {
  const readme = () => readFileSync(join(ROOT, 'README.md'), 'utf8');

  it('names every prerequisite of npm test that .ci/run installs, and CHROMIUM_PATH', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const packages = [...ci.matchAll(/missing\+=\(([^)]*)\)/g)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/),
    );
    expect(packages).toEqual(expect.arrayContaining(['openjdk-17-jre-headless', 'chromium']));
    const start = readme().indexOf('\n## Quick start\n');
    const quickStart = readme().slice(start, readme().indexOf('\n## ', start + 1));
    for (const name of packages.filter((name) => name.length > 0)) expect(quickStart, name).toContain(name);
    expect(quickStart).toContain('CHROMIUM_PATH');
    expect(quickStart).toMatch(/Java 17\+/);
    expect(quickStart).toMatch(/Node\.js 20\+/);
  });

  it('quotes every URL with a ? in its shell examples, so that zsh does not glob them', () => {
    const blocks = [...readme().matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
    const unquoted = blocks
      .flatMap((block) => block.split('\n'))
      .filter((line) => {
        const bare = line
          .replace(/'[^']*'/g, "''")
          .replace(/"[^"]*"/g, '""')
          .replace(/\s#.*$/, '');
        return bare.includes('?');
      });
    expect(unquoted).toEqual([]);
  });
});
