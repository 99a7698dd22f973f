/**
 * `npm run seed -- [--patients 300] [--orgs org-1,org-2] [--practitioners 4] [--ttl 8h]`
 *
 * Loads synthetic demo data into the running local API, through the API (batch Bundles at
 * `POST /`), so every record is validated, encrypted and audited as a client's would be:
 * practitioners with working hours, patients, appointments (some already fulfilled, missed
 * or cancelled) and each patient's clinical history (past video visits with vital signs, a
 * condition and its prescription, an allergy, a flu shot, a visit note). Idempotent: seed records carry seed identifiers and are looked up first, so a
 * rerun adds only what is missing. Progress goes to stderr; stdout gets `export` lines with a
 * token for one user of each role per organization (`eval "$(npm run -s seed)"`), and the data
 * dir's users file gets the same users, for the local SMART sign-in page.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { mintToken } from '../infra/local/issuer.ts';
import { recordUser } from '../infra/local/smart/users.ts';
import type { Role } from '../shared/routes.ts';
import {
  localeOf,
  REASONS,
  SEED_MRN_SYSTEM,
  SEED_PRACTITIONER_SYSTEM,
  seedHistory,
  seedMrn,
  seedPatient,
  seedPractitioner,
  slot,
} from './seed-data.ts';

const usage =
  'usage: npm run seed -- [--patients 300] [--orgs org-1,org-2] [--practitioners 4] [--ttl 8h] [--data-dir .data] [--url http://127.0.0.1:3000]';

const { values } = parseArgs({
  options: {
    patients: { type: 'string', default: '300' },
    orgs: { type: 'string', default: 'org-1,org-2' },
    practitioners: { type: 'string', default: '4' },
    ttl: { type: 'string', default: '8h' },
    'data-dir': { type: 'string' },
    url: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.error(usage);
  process.exit(0);
}

const totalPatients = Number(values.patients);
const practitionerCount = Number(values.practitioners);
const orgs = values.orgs.split(',').map((org) => org.trim());
if (
  !Number.isInteger(totalPatients) ||
  totalPatients < 1 ||
  !Number.isInteger(practitionerCount) ||
  practitionerCount < 1 ||
  practitionerCount > 6 ||
  orgs.some((org) => !/^[A-Za-z0-9-]{1,64}$/.test(org))
) {
  console.error(usage);
  process.exit(2);
}
const dataDir = resolve(
  values['data-dir'] ?? process.env.DATA_DIR ?? join(import.meta.dirname, '..', '.data'),
);
const keyDir = join(dataDir, 'keys');

function ttlSeconds(text: string): number {
  const match = /^(\d+)([smh]?)$/.exec(text);
  if (!match?.[1]) throw new Error('--ttl takes a duration such as 900, 15m or 8h');
  return Number(match[1]) * ({ '': 1, s: 1, m: 60, h: 3600 }[match[2] ?? ''] ?? 1);
}

const GatewayFile = z.object({ url: z.string() });

function gatewayUrl(): string {
  if (values.url) return values.url.replace(/\/$/, '');
  try {
    return GatewayFile.parse(JSON.parse(readFileSync(join(dataDir, 'gateway.json'), 'utf8'))).url;
  } catch {
    throw new Error(`no running gateway found in ${dataDir}: start it with npm start (or pass --url)`);
  }
}

const base = gatewayUrl();

/** A progress bar on stderr (a line per step where stderr is not a terminal). */
function progress(label: string, total: number) {
  let done = 0;
  const width = 30;
  const draw = () => {
    const filled = total === 0 ? width : Math.round((done / total) * width);
    process.stderr.write(
      `\r  ${label.padEnd(34)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`,
    );
  };
  if (process.stderr.isTTY) draw();
  return {
    tick(count = 1) {
      done += count;
      if (process.stderr.isTTY) draw();
    },
    end(note = '') {
      if (process.stderr.isTTY) process.stderr.write('\n');
      else process.stderr.write(`  ${label}: ${done}/${total}${note ? ` ${note}` : ''}\n`);
      if (process.stderr.isTTY && note) process.stderr.write(`    ${note}\n`);
    },
  };
}

const ResponseEntry = z.object({
  resource: z.optional(z.unknown()),
  response: z.object({ status: z.string(), etag: z.optional(z.string()), location: z.optional(z.string()) }),
});
type ResponseEntry = z.infer<typeof ResponseEntry>;
const BatchResponse = z.object({ resourceType: z.literal('Bundle'), entry: z.array(ResponseEntry) });

interface Entry {
  request: { method: 'GET' | 'POST' | 'PUT'; url: string; ifMatch?: string };
  resource?: unknown;
}

async function call(
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<unknown> {
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/fhir+json',
      ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await response.text();
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${path} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text);
}

/** Sends entries as batch Bundles of at most 100; answers one response entry per entry. */
async function batch(
  token: string,
  entries: Entry[],
  onChunk?: (size: number) => void,
): Promise<ResponseEntry[]> {
  const answers: ResponseEntry[] = [];
  for (let at = 0; at < entries.length; at += 100) {
    const chunk = entries.slice(at, at + 100);
    const body = await call(token, '/', {
      method: 'POST',
      body: { resourceType: 'Bundle', type: 'batch', entry: chunk },
    });
    answers.push(...BatchResponse.parse(body).entry);
    onChunk?.(chunk.length);
  }
  return answers;
}

const statusOf = (entry: ResponseEntry | undefined): number =>
  Number.parseInt(entry?.response.status ?? '0', 10);

const Resource = z.looseObject({
  resourceType: z.string(),
  id: z.string(),
  identifier: z.optional(
    z.array(z.looseObject({ system: z.optional(z.string()), value: z.optional(z.string()) })),
  ),
  start: z.optional(z.string()),
  status: z.optional(z.string()),
});
type Resource = z.infer<typeof Resource>;
const Searchset = z.object({
  entry: z._default(z.array(z.looseObject({ resource: z.optional(z.unknown()) })), []),
  link: z._default(z.array(z.object({ relation: z.string(), url: z.string() })), []),
});

/** Every match of a search, following `next` links. */
async function searchAll(token: string, path: string): Promise<Resource[]> {
  const found: Resource[] = [];
  let next: string | undefined = path;
  while (next) {
    const page = Searchset.parse(await call(token, next));
    for (const entry of page.entry) {
      const parsed = Resource.safeParse(entry.resource);
      if (parsed.success) found.push(parsed.data);
    }
    const link = page.link.find((one) => one.relation === 'next')?.url;
    next = link ? link.slice(base.length) : undefined;
  }
  return found;
}

const resourceOf = (entry: ResponseEntry | undefined): Resource | undefined => {
  const parsed = Resource.safeParse(entry?.resource);
  return parsed.success ? parsed.data : undefined;
};

const firstMatch = (entry: ResponseEntry | undefined): Resource | undefined => {
  const page = Searchset.safeParse(entry?.resource);
  return page.success
    ? resourceOf({ resource: page.data.entry[0]?.resource, response: { status: '200' } })
    : undefined;
};

const identifierValue = (resource: Resource, system: string): string | undefined =>
  resource.identifier?.find((identifier) => identifier.system === system)?.value;

const iso = (instant: number): string => new Date(instant).toISOString().replace('.000Z', 'Z');

interface Seeded {
  org: string;
  practitionerIds: string[];
  patientIds: string[];
  created: { practitioners: number; patients: number; appointments: number; clinical: number };
}

async function seedOrganization(org: string, orgIndex: number, patientCount: number): Promise<Seeded> {
  const locale = localeOf(orgIndex);
  process.stderr.write(`\n${org}: ${locale.clinic} (${locale.timeZone})\n`);
  const admin = await mintToken(keyDir, { role: 'admin', org, sub: `seed-admin-${org}`, ttlSeconds: 3600 });
  const created = { practitioners: 0, patients: 0, appointments: 0, clinical: 0 };

  // Practitioners: found by their seed identifier, created when missing.
  const existing = new Map<string, string>();
  for (const practitioner of await searchAll(admin, '/Practitioner?_count=100')) {
    const value = identifierValue(practitioner, SEED_PRACTITIONER_SYSTEM);
    if (value) existing.set(value, practitioner.id);
  }
  const practitionerIds: string[] = [];
  const missingPractitioners: number[] = [];
  for (let k = 0; k < practitionerCount; k++) {
    const id = existing.get(`${org}-pr-${k}`);
    if (id) practitionerIds[k] = id;
    else missingPractitioners.push(k);
  }
  const practitionerBar = progress('practitioners', practitionerCount);
  practitionerBar.tick(practitionerCount - missingPractitioners.length);
  const practitionerAnswers = await batch(
    admin,
    missingPractitioners.map((k) => ({
      request: { method: 'POST', url: 'Practitioner' },
      resource: seedPractitioner(org, orgIndex, k),
    })),
    (size) => practitionerBar.tick(size),
  );
  missingPractitioners.forEach((k, at) => {
    const resource = resourceOf(practitionerAnswers[at]);
    if (!resource)
      throw new Error(`Practitioner ${k} was not created: ${practitionerAnswers[at]?.response.status}`);
    practitionerIds[k] = resource.id;
    created.practitioners += 1;
  });
  practitionerBar.end();
  const gpOf = (n: number): string => practitionerIds[n % practitionerCount] ?? '';

  // Patients: looked up by their seed MRN, created when missing.
  const numbers = Array.from({ length: patientCount }, (_, at) => at + 1);
  const patientBar = progress('patients', patientCount);
  const lookups = await batch(
    admin,
    numbers.map((n) => ({
      request: {
        method: 'GET',
        url: `Patient?identifier=${encodeURIComponent(`${SEED_MRN_SYSTEM}|${seedMrn(org, n)}`)}`,
      },
    })),
  );
  const patientIds: string[] = [];
  const missingPatients: number[] = [];
  numbers.forEach((n, at) => {
    const found = firstMatch(lookups[at]);
    if (found) patientIds[n - 1] = found.id;
    else missingPatients.push(n);
  });
  patientBar.tick(patientCount - missingPatients.length);
  const patientAnswers = await batch(
    admin,
    missingPatients.map((n) => ({
      request: { method: 'POST', url: 'Patient' },
      resource: seedPatient(org, orgIndex, n, gpOf(n)),
    })),
    (size) => patientBar.tick(size),
  );
  missingPatients.forEach((n, at) => {
    const resource = resourceOf(patientAnswers[at]);
    if (!resource) throw new Error(`Patient ${n} was not created: ${patientAnswers[at]?.response.status}`);
    patientIds[n - 1] = resource.id;
    created.patients += 1;
  });
  patientBar.end();

  // Appointments: two per patient with their GP, for patients who have none yet.
  const withVisits = await batch(
    admin,
    patientIds.map((id) => ({ request: { method: 'GET', url: `Appointment?patient=${id}&_count=1` } })),
  );
  const needVisits = numbers.filter((n, at) => firstMatch(withVisits[at]) === undefined && patientIds[n - 1]);
  const now = Date.now();
  // Slots already taken (by earlier runs), so that new bookings go around them.
  const taken = new Map<string, Set<number>>();
  for (const practitionerId of practitionerIds) {
    const booked = await searchAll(
      admin,
      `/Appointment?practitioner=${practitionerId}&date=ge${iso(now).slice(0, 10)}&_count=100`,
    );
    taken.set(
      practitionerId,
      new Set(
        booked
          .filter((one) => one.status !== 'cancelled' && one.start)
          .map((one) => Date.parse(one.start ?? '')),
      ),
    );
  }
  const cursor = new Map<string, number>();
  const nextSlot = (practitionerId: string) => {
    const busy = taken.get(practitionerId) ?? new Set<number>();
    for (let k = cursor.get(practitionerId) ?? 0; ; k++) {
      const candidate = slot(orgIndex, k, now);
      if (!busy.has(candidate.start)) {
        cursor.set(practitionerId, k + 1);
        busy.add(candidate.start);
        return candidate;
      }
    }
  };
  interface Visit {
    n: number;
    first: boolean;
    practitionerId: string;
    patientId: string;
  }
  let pending: Visit[] = needVisits.flatMap((n) => [
    { n, first: true, practitionerId: gpOf(n), patientId: patientIds[n - 1] ?? '' },
    { n, first: false, practitionerId: gpOf(n), patientId: patientIds[n - 1] ?? '' },
  ]);
  const appointmentBar = progress('appointments', pending.length);
  const booked: { visit: Visit; resource: Resource }[] = [];
  // A slot can be taken meanwhile (409): such visits are tried again at the next free slot.
  for (let round = 0; round < 5 && pending.length > 0; round++) {
    const plan = pending.map((visit) => ({ visit, time: nextSlot(visit.practitionerId) }));
    const answers = await batch(
      admin,
      plan.map(({ visit, time }) => ({
        request: { method: 'POST', url: 'Appointment' },
        resource: {
          resourceType: 'Appointment',
          status: 'booked',
          serviceType: [{ text: 'General practice consultation' }],
          reasonCode: [{ text: REASONS[(visit.n + (visit.first ? 0 : 3)) % REASONS.length] }],
          description: visit.first ? 'Consultation' : 'Follow-up consultation',
          start: iso(time.start),
          end: iso(time.end),
          participant: [
            { actor: { reference: `Patient/${visit.patientId}` }, required: 'required', status: 'accepted' },
            {
              actor: { reference: `Practitioner/${visit.practitionerId}` },
              required: 'required',
              status: 'accepted',
            },
          ],
        },
      })),
    );
    const retry: Visit[] = [];
    plan.forEach(({ visit }, at) => {
      const resource = resourceOf(answers[at]);
      if (resource) {
        booked.push({ visit, resource });
        appointmentBar.tick();
      } else if (statusOf(answers[at]) === 409) retry.push(visit);
      else throw new Error(`an appointment was not booked: ${answers[at]?.response.status}`);
    });
    pending = retry;
  }
  created.appointments = booked.length;
  appointmentBar.end(pending.length > 0 ? `(${pending.length} found no free slot)` : '');

  // The first visit of each patient moves on through its life cycle, as visits that happened
  // would (the API refuses bookings in the past, so "past" visits are the earliest ones).
  const firsts = booked.filter(({ visit }) => visit.first);
  const lifeCycle = progress('appointment life cycles', firsts.length);
  const outcomeOf = (n: number) =>
    (['fulfilled', 'fulfilled', 'fulfilled', 'noshow', 'cancelled'] as const)[n % 5] ?? 'fulfilled';
  const step = async (items: { resource: Resource; status: string; version: number }[]) =>
    batch(
      admin,
      items.map(({ resource, status, version }) => ({
        request: { method: 'PUT', url: `Appointment/${resource.id}`, ifMatch: `W/"${version}"` },
        resource: {
          ...resource,
          status,
          ...(status === 'cancelled'
            ? {
                cancelationReason: {
                  coding: [
                    {
                      system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                      code: 'pat',
                    },
                  ],
                },
              }
            : {}),
        },
      })),
    );
  const firstStep = firsts.map(({ visit, resource }) => {
    const outcome = outcomeOf(visit.n);
    return { resource, status: outcome === 'fulfilled' ? 'arrived' : outcome, version: 1 };
  });
  const stepped = await step(firstStep);
  const arrived: { resource: Resource; status: string; version: number }[] = [];
  firstStep.forEach((item, at) => {
    const answer = resourceOf(stepped[at]);
    if (item.status === 'arrived' && answer)
      arrived.push({ resource: answer, status: 'fulfilled', version: 2 });
  });
  await step(arrived);
  lifeCycle.tick(firsts.length);
  lifeCycle.end();

  // A clinical history for each patient who has none yet: past video visits first, then what
  // they left (vital signs, a condition and its prescription, an allergy, a flu shot, a note).
  const withHistory = await batch(
    admin,
    patientIds.map((id) => ({ request: { method: 'GET', url: `Encounter?patient=${id}&_count=1` } })),
  );
  const needHistory = numbers.filter(
    (n, at) => firstMatch(withHistory[at]) === undefined && patientIds[n - 1],
  );
  const histories = needHistory.map((n) => ({
    n,
    history: seedHistory(org, n, patientIds[n - 1] ?? '', gpOf(n), now),
  }));
  const historyBar = progress('clinical histories', histories.length);
  const encounterAnswers = await batch(
    admin,
    histories.flatMap(({ history }) =>
      history.encounters.map((resource) => ({
        request: { method: 'POST' as const, url: 'Encounter' },
        resource,
      })),
    ),
  );
  const recordEntries: Entry[] = [];
  let answerAt = 0;
  for (const { history } of histories) {
    const encounterIds = history.encounters.map(() => {
      const resource = resourceOf(encounterAnswers[answerAt]);
      if (!resource)
        throw new Error(`an Encounter was not created: ${encounterAnswers[answerAt]?.response.status}`);
      answerAt += 1;
      return resource.id;
    });
    for (const resource of history.records((k) => encounterIds[k] ?? '')) {
      recordEntries.push({ request: { method: 'POST', url: resource.resourceType }, resource });
    }
  }
  const recordAnswers = await batch(admin, recordEntries);
  const failed = recordAnswers.filter((answer) => statusOf(answer) !== 201);
  if (failed.length > 0)
    throw new Error(`${failed.length} clinical records were not created: ${failed[0]?.response.status}`);
  created.clinical = encounterAnswers.length + recordAnswers.length;
  historyBar.tick(histories.length);
  historyBar.end();

  // Each practitioner looks at their patients' records, as a morning's work would.
  const reads = progress('record reads by clinicians', patientIds.length);
  for (const [k, practitionerId] of practitionerIds.entries()) {
    const clinician = await mintToken(keyDir, {
      role: 'clinician',
      org,
      sub: `seed-dr-${org}-${k}`,
      practitionerId,
      ttlSeconds: 3600,
    });
    const mine = patientIds.filter((_, at) => (at + 1) % practitionerCount === k);
    await batch(
      clinician,
      mine.map((id) => ({ request: { method: 'GET', url: `Patient/${id}` } })),
      (size) => reads.tick(size),
    );
  }
  reads.end();
  return { org, practitionerIds, patientIds, created };
}

async function main(): Promise<void> {
  process.stderr.write(`Seeding ${base} (data dir ${dataDir})\n`);
  const seeded: Seeded[] = [];
  for (const [orgIndex, org] of orgs.entries()) {
    const share = Math.floor(totalPatients / orgs.length) + (orgIndex < totalPatients % orgs.length ? 1 : 0);
    seeded.push(await seedOrganization(org, orgIndex, share));
  }
  process.stderr.write('\n');
  for (const { org, practitionerIds, patientIds, created } of seeded) {
    process.stderr.write(
      `${org}: ${practitionerIds.length} practitioners (${created.practitioners} new), ${patientIds.length} patients (${created.patients} new), ${created.appointments} appointments booked, ${created.clinical} clinical records\n`,
    );
  }

  const ttl = ttlSeconds(values.ttl);
  const lines = [
    `# FHIR records API at ${base}; tokens valid for ${values.ttl}. Try: curl -H "Authorization: Bearer $ORG_1_CLINICIAN" ${base}/Patient`,
  ];
  for (const { org, practitionerIds, patientIds } of seeded) {
    const name = org.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
    const users: { role: Role; sub: string; patientId?: string; practitionerId?: string; note: string }[] = [
      { role: 'admin', sub: `admin-${org}`, note: 'manages records' },
      {
        role: 'clinician',
        sub: `dr-${org}-0`,
        practitionerId: practitionerIds[0] ?? '',
        note: `Practitioner/${practitionerIds[0]}`,
      },
      { role: 'compliance', sub: `compliance-${org}`, note: 'reads the access log' },
      {
        role: 'patient',
        sub: `patient-${org}-1`,
        patientId: patientIds[0] ?? '',
        note: `Patient/${patientIds[0]}`,
      },
    ];
    lines.push(`# ${org}`);
    for (const user of users) {
      const claims = {
        role: user.role,
        org,
        sub: user.sub,
        ...(user.patientId ? { patientId: user.patientId } : {}),
        ...(user.practitionerId ? { practitionerId: user.practitionerId } : {}),
      };
      const token = await mintToken(keyDir, { ...claims, ttlSeconds: ttl });
      // The same users sign in on the local SMART authorization server's page.
      recordUser(dataDir, claims);
      lines.push(`export ${name}_${user.role.toUpperCase()}='${token}'   # ${user.note}`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  console.error(`\nseed failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
