import { beforeAll, describe, expect, it } from 'vitest';
import {
  bloodPressure,
  careTeam,
  electrocardiogram,
  fluShot,
  heartRate,
  hypertension,
  lisinopril,
  penicillinAllergy,
  videoVisit,
  visitNote,
} from '../../shared/fhir/clinical-examples.ts';
import { api, field, token } from '../support/api.ts';
import { createResource, includedReferences, matchIds } from '../support/clinical.ts';
import { createPatient, newOrg, phiPatient, testPhi } from '../support/patients.ts';
import { createPractitioner, practitionerBody } from '../support/schedule.ts';

/**
 * Search with FHIR's semantics over the clinical record: each search US Core 6.1 asks of a type,
 * with values that match and values that do not, token forms, date prefixes over partial dates
 * and periods, `_sort`, `_lastUpdated`, `_include`, `_revinclude`, and unknown parameters refused.
 */
const org = newOrg();
let clinician: string;
let patientId: string;
let otherPatientId: string;
let practitionerId: string;
/** The ids of the records made below, by name. */
const ids: Record<string, string> = {};
/** meta.lastUpdated of the first half's last record: everything after it came later. */
let midpoint: string;

const LAB = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }],
};
const PROBLEM = {
  coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: 'problem-list-item' }],
};

beforeAll(async () => {
  const admin = await token({ role: 'admin', org, sub: 'search-admin' });
  practitionerId = await createPractitioner(admin, practitionerBody('Lindqvist'));
  clinician = await token({ role: 'clinician', org, sub: 'search-clinician', practitionerId });
  const ofClinician = { generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }] };
  patientId = await createPatient(admin, { ...phiPatient(testPhi()), ...ofClinician });
  otherPatientId = await createPatient(admin, { ...phiPatient(testPhi()), ...ofClinician });
  const refs = { patient: patientId, practitioner: practitionerId };
  const make = async (name: string, body: Record<string, unknown>) => {
    ids[name] = await createResource(clinician, body);
  };
  // 2025: the first visit.
  await make('visit2025', videoVisit(refs, '2025-03-10T09:00:00Z'));
  await make('bloodPressure', bloodPressure({ ...refs, encounter: ids.visit2025 }, '2025-03-10T09:05:00Z'));
  await make('hypertension', hypertension(refs, '2025-03-10T09:15:00Z'));
  await make('resolved', {
    ...hypertension(refs, '2024-01-05T10:00:00Z'),
    clinicalStatus: {
      coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'resolved' }],
    },
    category: [PROBLEM],
    code: { coding: [{ system: 'http://snomed.info/sct', code: '444814009', display: 'Viral sinusitis' }] },
  });
  await make('allergy', penicillinAllergy(refs, '2025-03-10T09:20:00Z'));
  await make('pastAllergy', {
    ...penicillinAllergy(refs, '2020-05-01T00:00:00Z'),
    clinicalStatus: {
      coding: [
        { system: 'http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical', code: 'inactive' },
      ],
    },
    code: { coding: [{ system: 'http://snomed.info/sct', code: '91935009', display: 'Peanut allergy' }] },
  });
  await make('ecg', electrocardiogram(refs, '2025-03-10T09:10:00Z'));
  await make('pastTeam', careTeam(refs, '2024-01-01', '2024-12-31'));
  const read = await api(`/CareTeam/${ids.pastTeam}`, { token: clinician });
  midpoint = String(field(read.json, 'meta', 'lastUpdated'));
  // 2026: lab results and the second visit.
  await make('glucose', {
    ...heartRate(refs, '2026-06-01T08:00:00Z'),
    category: [LAB],
    code: {
      coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose [Mass/volume] in Blood' }],
    },
    valueQuantity: { value: 95, unit: 'mg/dL', system: 'http://unitsofmeasure.org', code: 'mg/dL' },
  });
  await make('visit2026', videoVisit(refs, '2026-11-20T09:30:00Z'));
  await make('heartRate', heartRate({ ...refs, encounter: ids.visit2026 }, '2026-11-20T09:35:00Z'));
  await make('prescription', lisinopril(refs, '2026-11-20T09:45:00Z'));
  await make('plan', {
    ...lisinopril(refs, '2026-11-20T09:46:00Z'),
    intent: 'plan',
    status: 'completed',
  });
  await make('fluShot', fluShot(refs, '2026-10-01'));
  await make('note', visitNote({ ...refs, encounter: ids.visit2026 }, '2026-11-20T10:00:00Z'));
  await make('team', careTeam(refs, '2026-01-01'));
  // Someone else's record, which no search of this patient may return.
  await make(
    'otherHeartRate',
    heartRate({ patient: otherPatientId, practitioner: practitionerId }, '2026-11-20T09:35:00Z'),
  );
});

const search = async (path: string) => {
  const response = await api(path, { token: clinician });
  expect(response.status, response.text).toBe(200);
  return response;
};
/** The names of a search's matches, in the order returned. */
const found = async (path: string): Promise<string[]> => {
  const names = new Map(Object.entries(ids).map(([name, id]) => [id, name]));
  return matchIds((await search(path)).json).map((id) => names.get(id) ?? id);
};
const sorted = (names: string[]) => [...names].sort();
const p = () => `patient=${patientId}`;

describe('the US Core searches, each with values that match and values that do not', () => {
  it.each([
    // Observation: patient+category, patient+code, patient+category+date.
    ['Observation', '{patient}&category=vital-signs', ['bloodPressure', 'heartRate']],
    ['Observation', '{patient}&category=laboratory', ['glucose']],
    ['Observation', '{patient}&category=imaging', []],
    ['Observation', '{patient}&code=8867-4', ['heartRate']],
    ['Observation', '{patient}&code=http://loinc.org|85354-9', ['bloodPressure']],
    ['Observation', '{patient}&code=http://snomed.info/sct|85354-9', []],
    // `|code`: the code with no system; every code here has one.
    ['Observation', '{patient}&code=|85354-9', []],
    ['Observation', '{patient}&code=http://loinc.org|', ['bloodPressure', 'heartRate', 'glucose']],
    ['Observation', '{patient}&code=8867-4,2339-0', ['heartRate', 'glucose']],
    ['Observation', '{patient}&category=vital-signs&date=ge2026-01-01', ['heartRate']],
    ['Observation', '{patient}&category=vital-signs&date=2025', ['bloodPressure']],
    ['Observation', '{patient}&category=vital-signs&date=2025-03-10', ['bloodPressure']],
    ['Observation', '{patient}&category=vital-signs&date=2024', []],
    [
      'Observation',
      '{patient}&category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs&date=lt2026&date=gt2025-01',
      ['bloodPressure'],
    ],
    // Condition: patient, patient+category, patient+clinical-status.
    ['Condition', '{patient}', ['hypertension', 'resolved']],
    ['Condition', '{patient}&category=problem-list-item', ['resolved']],
    ['Condition', '{patient}&category=encounter-diagnosis', ['hypertension']],
    ['Condition', '{patient}&category=health-concern', []],
    ['Condition', '{patient}&clinical-status=active', ['hypertension']],
    ['Condition', '{patient}&clinical-status=resolved', ['resolved']],
    ['Condition', '{patient}&clinical-status=remission', []],
    ['Condition', '{patient}&code=http://hl7.org/fhir/sid/icd-10|I10', ['hypertension']],
    // Encounter: _id, patient, patient+date (a period matches by overlap).
    ['Encounter', '_id={visit2026}', ['visit2026']],
    ['Encounter', '_id=unknown-id', []],
    ['Encounter', '{patient}', ['visit2025', 'visit2026']],
    ['Encounter', '{patient}&date=2026-11', ['visit2026']],
    ['Encounter', '{patient}&date=2026-11-20T09:40:00Z', []],
    ['Encounter', '{patient}&date=ge2026-11-20T09:40:00Z', ['visit2026']],
    ['Encounter', '{patient}&date=sa2026-11-20T09:40:00Z', []],
    ['Encounter', '{patient}&date=sa2026-11-20T09:00:00Z', ['visit2026']],
    ['Encounter', '{patient}&date=eb2026', ['visit2025']],
    ['Encounter', '{patient}&date=ne2025', ['visit2026']],
    ['Encounter', '{patient}&class=VR', ['visit2025', 'visit2026']],
    ['Encounter', '{patient}&class=AMB', []],
    // AllergyIntolerance: patient, patient+clinical-status.
    ['AllergyIntolerance', '{patient}', ['allergy', 'pastAllergy']],
    ['AllergyIntolerance', '{patient}&clinical-status=active', ['allergy']],
    ['AllergyIntolerance', '{patient}&clinical-status=resolved', []],
    // MedicationRequest: patient+intent, patient+intent+status.
    ['MedicationRequest', '{patient}&intent=order', ['prescription']],
    ['MedicationRequest', '{patient}&intent=order,plan', ['prescription', 'plan']],
    ['MedicationRequest', '{patient}&intent=proposal', []],
    ['MedicationRequest', '{patient}&intent=order&status=active', ['prescription']],
    ['MedicationRequest', '{patient}&intent=plan&status=active', []],
    // Procedure: patient, patient+date.
    ['Procedure', '{patient}', ['ecg']],
    ['Procedure', '{patient}&date=2025-03-10', ['ecg']],
    ['Procedure', '{patient}&date=gt2025-03-10', []],
    // Immunization: patient.
    ['Immunization', '{patient}', ['fluShot']],
    ['Immunization', 'patient={other}', []],
    // DocumentReference: _id, patient, patient+category, patient+type, patient+category+date.
    ['DocumentReference', '_id={note}', ['note']],
    ['DocumentReference', '{patient}', ['note']],
    ['DocumentReference', '{patient}&category=clinical-note', ['note']],
    ['DocumentReference', '{patient}&category=discharge-summary', []],
    ['DocumentReference', '{patient}&type=http://loinc.org|11506-3', ['note']],
    ['DocumentReference', '{patient}&type=http://loinc.org|18842-5', []],
    ['DocumentReference', '{patient}&category=clinical-note&date=ge2026-11-20', ['note']],
    ['DocumentReference', '{patient}&category=clinical-note&date=lt2026-11-20', []],
    // CareTeam: patient+status.
    ['CareTeam', '{patient}&status=active', ['team', 'pastTeam']],
    ['CareTeam', '{patient}&status=inactive', []],
    // eq: the value's range contains the period; ap and le overlap it.
    ['CareTeam', '{patient}&date=2024', ['pastTeam']],
    ['CareTeam', '{patient}&date=2024-06', []],
    ['CareTeam', '{patient}&date=le2024-06', ['pastTeam']],
  ])('%s?%s', async (type, query, expected) => {
    const path = `/${type}?${query
      .replace('{patient}', `patient=${patientId}`)
      .replace('{other}', otherPatientId)
      .replace(/\{(\w+)\}/g, (_: string, name: string) => ids[name] ?? name)}`;
    expect(sorted(await found(path))).toEqual(sorted(expected));
  });
});

describe('result parameters', () => {
  it('_sort orders by the care date either way, or by _lastUpdated; the default is newest care first', async () => {
    expect(await found(`/Observation?${p()}&_sort=date`)).toEqual(['bloodPressure', 'glucose', 'heartRate']);
    expect(await found(`/Observation?${p()}&_sort=-date`)).toEqual(['heartRate', 'glucose', 'bloodPressure']);
    expect(await found(`/Observation?${p()}`)).toEqual(['heartRate', 'glucose', 'bloodPressure']);
    // Created in the order bloodPressure, glucose, heartRate: the same order, by a different key.
    expect(await found(`/Condition?${p()}&_sort=_lastUpdated`)).toEqual(['hypertension', 'resolved']);
    expect(await found(`/Condition?${p()}&_sort=-_lastUpdated`)).toEqual(['resolved', 'hypertension']);
    expect(await found(`/Condition?${p()}&_sort=recorded-date`)).toEqual(['resolved', 'hypertension']);
  });

  it('_lastUpdated compares the time a record was last written', async () => {
    expect(sorted(await found(`/Observation?${p()}&_lastUpdated=gt${midpoint}`))).toEqual(
      sorted(['glucose', 'heartRate']),
    );
    expect(await found(`/Observation?${p()}&_lastUpdated=le${midpoint}`)).toEqual(['bloodPressure']);
    expect(await found(`/Condition?${p()}&_lastUpdated=gt${midpoint}`)).toEqual([]);
  });

  it('_count pages through the matches, each page a Query of the patient’s partition', async () => {
    const first = await search(`/Observation?${p()}&_count=2`);
    expect(matchIds(first.json)).toHaveLength(2);
    const links = field(first.json, 'link') as { relation: string; url: string }[];
    const next = links.find((link) => link.relation === 'next')?.url;
    expect(next).toBeDefined();
    const second = await api(String(next).replace(/^https?:\/\/[^/]+/, ''), { token: clinician });
    expect(second.status, second.text).toBe(200);
    expect(matchIds(second.json)).toEqual([ids.bloodPressure]);
  });

  it('_include brings the referenced patient, participants and requesters, once each', async () => {
    const observations = await search(`/Observation?${p()}&_include=Observation:patient`);
    expect(includedReferences(observations.json)).toEqual([`Patient/${patientId}`]);
    const encounters = await search(`/Encounter?${p()}&_include=Encounter:participant`);
    expect(includedReferences(encounters.json)).toEqual([`Practitioner/${practitionerId}`]);
    const requests = await search(
      `/MedicationRequest?${p()}&intent=order&_include=MedicationRequest:requester`,
    );
    expect(includedReferences(requests.json)).toEqual([`Practitioner/${practitionerId}`]);
    const withEncounter = await search(`/Observation?${p()}&code=8867-4&_include=Observation:encounter`);
    expect(includedReferences(withEncounter.json)).toEqual([`Encounter/${ids.visit2026}`]);
    const none = await search(`/Observation?${p()}&code=8867-4`);
    expect(includedReferences(none.json)).toEqual([]);
  });

  it('_revinclude from Patient brings that patient’s records of the type, and no one else’s', async () => {
    const response = await search(`/Patient?_id=${patientId}&_revinclude=Observation:patient`);
    expect(matchIds(response.json)).toEqual([patientId]);
    expect(sorted(includedReferences(response.json))).toEqual(
      sorted([ids.bloodPressure, ids.glucose, ids.heartRate].map((id) => `Observation/${id}`)),
    );
    const two = await search(
      `/Patient?_id=${otherPatientId}&_revinclude=Observation:patient&_revinclude=Condition:patient`,
    );
    expect(includedReferences(two.json)).toEqual([`Observation/${ids.otherHeartRate}`]);
  });

  it('_revinclude brings nothing a caller may not see', async () => {
    const stranger = await token({
      role: 'clinician',
      org,
      sub: 'search-stranger',
      practitionerId: 'nobody',
    });
    const response = await api(`/Patient?_id=${patientId}&_revinclude=Observation:patient`, {
      token: stranger,
    });
    expect(response.status, response.text).toBe(200);
    expect(includedReferences(response.json)).toEqual([]);
  });
});

describe('what is not served is refused by name, never ignored', () => {
  it.each([
    ['/Observation?subject=Patient/x', 'subject'],
    ['/Observation?code:text=pressure', ':text is not served for code'],
    ['/Observation?value-quantity=gt100', 'value-quantity'],
    ['/Observation?_sort=code', '_sort'],
    ['/Observation?date=around2025', 'date'],
    ['/Observation?_include=Observation:subject', '_include'],
    ['/Encounter?_elements=status', '_elements'],
    ['/Patient?_revinclude=Observation:performer', '_revinclude'],
    ['/Patient?_revinclude=Medication:patient', '_revinclude'],
  ])('%s is a 400 naming %s', async (path, name) => {
    const response = await api(path, { token: clinician });
    expect(response.status, response.text).toBe(400);
    expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
    expect(response.text).toContain(name);
  });

  it('_sort by the care date needs a patient: across patients only _lastUpdated is ordered', async () => {
    const response = await api('/Observation?_sort=date', { token: clinician });
    expect(response.status, response.text).toBe(400);
    expect(response.text).toContain('_sort');
  });
});
