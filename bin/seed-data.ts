/**
 * Synthetic demo data for `npm run seed`: organizations, practitioners with working hours and
 * patients, generated from a seeded PRNG. No external data; the same seed gives the same people.
 * Phone numbers are in fictional ranges (555) and e-mail addresses at example.org.
 */
import {
  bloodPressure,
  bodyWeight,
  fluShot,
  heartRate,
  hypertension,
  lisinopril,
  penicillinAllergy,
  videoVisit,
  visitNote,
} from '../shared/fhir/clinical-examples.ts';
import { localDayOf, WORKING_HOURS_URL, zonedInstant } from '../shared/schedule/working-hours.ts';

export const SEED_MRN_SYSTEM = 'https://fhir-records.dev/sid/seed-mrn';
export const SEED_PRACTITIONER_SYSTEM = 'https://fhir-records.dev/sid/seed-practitioner';

/** mulberry32: small, fast, and good enough for demo data. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function hashSeed(text: string): number {
  let hash = 2166136261;
  for (const char of text) hash = Math.imul(hash ^ (char.codePointAt(0) ?? 0), 16777619);
  return hash >>> 0;
}

const pick = <T>(random: () => number, items: readonly T[]): T => {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('nothing to pick from');
  return item;
};

interface Locale {
  country: string;
  timeZone: string;
  clinic: string;
  female: readonly string[];
  male: readonly string[];
  family: readonly string[];
  streets: readonly string[];
  cities: readonly { city: string; postalCode: (random: () => number) => string; state?: string }[];
  phone: (random: () => number) => string;
  houseNumberFirst: boolean;
}

const digits = (random: () => number, count: number): string =>
  Array.from({ length: count }, () => String(Math.floor(random() * 10))).join('');

const LOCALES: readonly Locale[] = [
  {
    country: 'NL',
    timeZone: 'Europe/Amsterdam',
    clinic: 'Huisartsenpraktijk De Grachten',
    female: [
      'Anna',
      'Sanne',
      'Emma',
      'Julia',
      'Tess',
      'Lotte',
      'Fenna',
      'Sophie',
      'Noor',
      'Maud',
      'Eva',
      'Zoë',
    ],
    male: [
      'Daan',
      'Lucas',
      'Noah',
      'Sem',
      'Finn',
      'Milan',
      'Bram',
      'Jesse',
      'Thijs',
      'Ruben',
      'Lars',
      'Joël',
    ],
    family: [
      'de Jong',
      'Jansen',
      'de Vries',
      'van den Berg',
      'Bakker',
      'Visser',
      'Smit',
      'Meijer',
      'Mulder',
      'de Boer',
      'Dekker',
      'Bos',
      'Hoekstra',
      'Brouwer',
      'van Dijk',
      'Kuiper',
    ],
    streets: [
      'Keizersgracht',
      'Prinsengracht',
      'Herengracht',
      'Oudegracht',
      'Lindengracht',
      'Nieuwe Binnenweg',
    ],
    cities: [
      { city: 'Amsterdam', postalCode: (random) => `10${digits(random, 2)} AB` },
      { city: 'Utrecht', postalCode: (random) => `35${digits(random, 2)} CD` },
      { city: 'Haarlem', postalCode: (random) => `20${digits(random, 2)} EF` },
    ],
    phone: (random) => `+31 20 555 ${digits(random, 4)}`,
    houseNumberFirst: false,
  },
  {
    country: 'US',
    timeZone: 'America/New_York',
    clinic: 'Harbor Street Family Medicine',
    female: [
      'Olivia',
      'Ava',
      'Sofia',
      'Amelia',
      'Harper',
      'Maya',
      'Chloe',
      'Grace',
      'Nora',
      'Aaliyah',
      'Mei',
      'Lucía',
    ],
    male: [
      'Liam',
      'Ethan',
      'Mateo',
      'James',
      'Elijah',
      'Benjamin',
      'Jamal',
      'Owen',
      'Henry',
      'Arjun',
      'Diego',
      'Wei',
    ],
    family: [
      'Smith',
      'Johnson',
      'Garcia',
      'Nguyen',
      'Brown',
      'Williams',
      'Martinez',
      'Okafor',
      'Patel',
      'Kim',
      "O'Brien",
      'Rodriguez',
      'Cohen',
      'Sullivan',
      'Washington',
      'Chen',
    ],
    streets: [
      'Maple Street',
      'Harbor Avenue',
      'Beacon Street',
      'Elm Court',
      'Commonwealth Avenue',
      'Oak Lane',
    ],
    cities: [
      { city: 'Boston', state: 'MA', postalCode: (random) => `021${digits(random, 2)}` },
      { city: 'Cambridge', state: 'MA', postalCode: (random) => `021${digits(random, 2)}` },
      { city: 'Providence', state: 'RI', postalCode: (random) => `029${digits(random, 2)}` },
    ],
    // 555-0100 to 555-0199 is the range reserved for fiction.
    phone: (random) => `+1 617-555-01${digits(random, 2)}`,
    houseNumberFirst: true,
  },
];

export const localeOf = (orgIndex: number): Locale => {
  const locale = LOCALES[orgIndex % LOCALES.length];
  if (!locale) throw new Error('no locale');
  return locale;
};

const emailPart = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');

/** The n-th seed patient of an organization: the same every run. */
export function seedPatient(org: string, orgIndex: number, n: number, practitionerId: string) {
  const random = prng(hashSeed(`${org}#patient#${n}`));
  const locale = localeOf(orgIndex);
  const female = random() < 0.5;
  const given = pick(random, female ? locale.female : locale.male);
  const family = pick(random, locale.family);
  const year = 1940 + Math.floor(random() * 80);
  const month = 1 + Math.floor(random() * 12);
  const day = 1 + Math.floor(random() * 28);
  const place = pick(random, locale.cities);
  const street = pick(random, locale.streets);
  const number = 1 + Math.floor(random() * 300);
  return {
    resourceType: 'Patient',
    identifier: [
      {
        use: 'usual',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: 'MR' }] },
        system: SEED_MRN_SYSTEM,
        value: seedMrn(org, n),
      },
    ],
    active: true,
    name: [{ use: 'official', family, given: [given] }],
    telecom: [
      { system: 'phone', value: locale.phone(random), use: random() < 0.6 ? 'mobile' : 'home' },
      { system: 'email', value: `${emailPart(given)}.${emailPart(family)}${n}@example.org`, use: 'home' },
    ],
    gender: female ? 'female' : 'male',
    birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
    address: [
      {
        use: 'home',
        line: [locale.houseNumberFirst ? `${number} ${street}` : `${street} ${number}`],
        city: place.city,
        ...(place.state ? { state: place.state } : {}),
        postalCode: place.postalCode(random),
        country: locale.country,
      },
    ],
    communication: [
      {
        language: {
          coding: [{ system: 'urn:ietf:bcp:47', code: locale.country === 'NL' ? 'nl' : 'en' }],
        },
        preferred: true,
      },
    ],
    generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }],
  };
}

export const seedMrn = (org: string, n: number): string => `${org}-${String(n).padStart(5, '0')}`;

const PRACTITIONER_NAMES: readonly (readonly [string, string, 'female' | 'male'])[] = [
  ['Maria', 'Visser', 'female'],
  ['Jeroen', 'Bakker', 'male'],
  ['Ayşe', 'Yılmaz', 'female'],
  ['Samuel', 'Osei', 'male'],
  ['Ingrid', 'Larsen', 'female'],
  ['Tomás', 'Ferreira', 'male'],
];

/** Working hours: weekdays 08:00-17:00, one practitioner also on Saturday mornings. */
export function seedPractitioner(org: string, orgIndex: number, k: number) {
  const locale = localeOf(orgIndex);
  const [given, family, gender] = PRACTITIONER_NAMES[(k + orgIndex * 2) % PRACTITIONER_NAMES.length] ?? [
    'Alex',
    'Doe',
    'female',
  ];
  const hours = (days: string[], start: string, end: string) => ({
    url: WORKING_HOURS_URL,
    extension: [
      ...days.map((code) => ({ url: 'daysOfWeek', valueCode: code })),
      { url: 'availableStartTime', valueTime: start },
      { url: 'availableEndTime', valueTime: end },
      { url: 'timeZone', valueCode: locale.timeZone },
    ],
  });
  return {
    resourceType: 'Practitioner',
    identifier: [{ system: SEED_PRACTITIONER_SYSTEM, value: `${org}-pr-${k}` }],
    active: true,
    name: [{ use: 'official', family, given: [given], prefix: ['Dr.'] }],
    telecom: [
      { system: 'email', value: `${emailPart(given)}.${emailPart(family)}@example.org`, use: 'work' },
    ],
    gender,
    qualification: [
      {
        code: {
          coding: [
            {
              system: 'http://terminology.hl7.org/CodeSystem/v2-0360',
              code: 'MD',
              display: 'Doctor of Medicine',
            },
          ],
          text: `General practitioner, ${locale.clinic}`,
        },
      },
    ],
    extension: [
      hours(['mon', 'tue', 'wed', 'thu', 'fri'], WORKDAY.start, WORKDAY.end),
      ...(k === 0 ? [hours(['sat'], '09:00:00', '12:00:00')] : []),
    ],
  };
}

const WORKDAY = { start: '08:00:00', end: '17:00:00', startSecond: 8 * 3600, slots: 18 } as const;
export const VISIT_MINUTES = 30;

/**
 * The k-th 30-minute weekday slot of a practitioner's working hours, counted from the day
 * after `now` in the organization's zone, as [start, end) instants.
 */
export function slot(orgIndex: number, k: number, now: number): { start: number; end: number } {
  const { timeZone } = localeOf(orgIndex);
  let day = localDayOf(timeZone, now) + 1;
  let remaining = Math.floor(k / WORKDAY.slots);
  for (;;) {
    const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday; 0 is Sunday
    if (weekday !== 0 && weekday !== 6) {
      if (remaining === 0) break;
      remaining -= 1;
    }
    day += 1;
  }
  const start = zonedInstant(timeZone, day, WORKDAY.startSecond + (k % WORKDAY.slots) * VISIT_MINUTES * 60);
  return { start, end: start + VISIT_MINUTES * 60_000 };
}

export const REASONS = [
  'Annual check-up',
  'Follow-up on blood pressure',
  'Persistent cough',
  'Lower back pain',
  'Vaccination',
  'Medication review',
  'Skin rash',
  'Headaches',
] as const;

/** A chronic condition of the demo history, with its usual medication (RxNorm). */
const CONDITIONS = [
  {
    snomed: ['59621000', 'Essential hypertension'],
    icd10: ['I10', 'Essential (primary) hypertension'],
    medication: ['314076', 'lisinopril 10 MG Oral Tablet', 'One tablet by mouth once daily'],
  },
  {
    snomed: ['44054006', 'Diabetes mellitus type 2'],
    icd10: ['E11.9', 'Type 2 diabetes mellitus without complications'],
    medication: [
      '860975',
      'metformin hydrochloride 500 MG Oral Tablet',
      'One tablet by mouth twice daily with meals',
    ],
  },
  {
    snomed: ['195967001', 'Asthma'],
    icd10: ['J45.909', 'Unspecified asthma, uncomplicated'],
    medication: [
      '745679',
      'albuterol 0.09 MG/ACTUAT Metered Dose Inhaler',
      'Two puffs every 4 to 6 hours as needed',
    ],
  },
  {
    snomed: ['55822004', 'Hyperlipidemia'],
    icd10: ['E78.5', 'Hyperlipidemia, unspecified'],
    medication: ['617312', 'atorvastatin 20 MG Oral Tablet', 'One tablet by mouth at bedtime'],
  },
] as const;

/** Allergies of the demo history: RxNorm for drugs, SNOMED CT for the rest. */
const ALLERGIES = [
  {
    system: 'http://www.nlm.nih.gov/research/umls/rxnorm',
    code: '70618',
    display: 'Penicillin',
    category: 'medication',
  },
  { system: 'http://snomed.info/sct', code: '91935009', display: 'Allergy to peanut', category: 'food' },
  { system: 'http://snomed.info/sct', code: '300916003', display: 'Latex allergy', category: 'environment' },
] as const;

const NOTES = [
  'Video visit. Blood pressure reviewed, medication continued. Follow-up in three months.',
  'Video visit. Symptoms improving on current treatment. Lifestyle advice given.',
  'Video visit. Results discussed; no change to the plan. Call if symptoms return.',
] as const;

const DAY_MS = 86_400_000;

/**
 * A patient's past telemedicine visits and what they left, generated from the patient's number
 * so a rerun gives the same history, from the examples the tests and the OpenAPI document use
 * (shared/fhir/clinical-examples.ts): two video visits (Encounter, class VR) with vital signs
 * (LOINC), a chronic condition (SNOMED CT and ICD-10) with its prescription (RxNorm), an allergy,
 * a flu shot (CVX) and a visit note with a small text attachment. Encounters come first: the
 * rest references them (`encounter(k)` is the id of visit k once it is created).
 */
export function seedHistory(org: string, n: number, patientId: string, practitionerId: string, now: number) {
  const random = prng(hashSeed(`${org}:history:${n}`));
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  const visitStarts = [120 + Math.floor(random() * 60), 10 + Math.floor(random() * 40)].map((daysAgo) =>
    new Date(day - daysAgo * DAY_MS + (8 + Math.floor(random() * 8)) * 3_600_000).toISOString(),
  );
  const condition = pick(random, CONDITIONS);
  const allergy = pick(random, ALLERGIES);
  const refs = { patient: patientId, practitioner: practitionerId };
  const encounters = visitStarts.map((start) => videoVisit(refs, start));
  const records = (encounter: (k: number) => string) => {
    const atVisit = (k: number) => ({ ...refs, encounter: encounter(k) });
    const vitals = visitStarts.flatMap((start, k) => [
      bloodPressure(atVisit(k), start, 112 + Math.floor(random() * 36), 70 + Math.floor(random() * 20)),
      heartRate(atVisit(k), start, 58 + Math.floor(random() * 30)),
      bodyWeight(atVisit(k), start, 55 + Math.floor(random() * 45)),
    ]);
    const [firstVisit = '', lastVisit = ''] = visitStarts;
    const note = visitNote(atVisit(1), lastVisit);
    const [snomed, snomedDisplay] = condition.snomed;
    const [icd10, icd10Display] = condition.icd10;
    const [rxnorm, medication, dosage] = condition.medication;
    return [
      ...vitals,
      {
        ...hypertension(atVisit(0), firstVisit),
        code: {
          coding: [
            { system: 'http://snomed.info/sct', code: snomed, display: snomedDisplay },
            { system: 'http://hl7.org/fhir/sid/icd-10', code: icd10, display: icd10Display },
          ],
        },
      },
      {
        ...lisinopril(atVisit(0), firstVisit),
        medicationCodeableConcept: {
          coding: [
            { system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: rxnorm, display: medication },
          ],
        },
        dosageInstruction: [{ text: dosage }],
      },
      {
        ...penicillinAllergy(refs, firstVisit),
        category: [allergy.category],
        criticality: random() < 0.3 ? 'high' : 'low',
        code: { coding: [{ system: allergy.system, code: allergy.code, display: allergy.display }] },
      },
      fluShot(refs, new Date(day - (200 + Math.floor(random() * 100)) * DAY_MS).toISOString().slice(0, 10)),
      {
        ...note,
        content: [
          {
            attachment: {
              contentType: 'text/plain',
              data: Buffer.from(pick(random, NOTES)).toString('base64'),
            },
          },
        ],
      },
    ];
  };
  return { encounters, records };
}
