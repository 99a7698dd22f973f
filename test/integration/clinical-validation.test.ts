import { beforeAll, describe, expect, it } from 'vitest';
import { bloodPressure, heartRate } from '../../shared/fhir/clinical-examples.ts';
import { api, field, token } from '../support/api.ts';
import { createResource } from '../support/clinical.ts';
import { orgRecordItems } from '../support/dynamo.ts';
import { createPatient, issueExpressions, newOrg, phiPatient, testPhi } from '../support/patients.ts';
import { createPractitioner, practitionerBody } from '../support/schedule.ts';

/**
 * Bodies that are not valid R4 are refused by the structure generated from the official
 * definitions (shared/fhir/r4/), before any write, with an OperationOutcome naming the element.
 */
const org = newOrg();
const WHEN = '2026-11-20T09:30:00Z';
let admin: string;
let clinician: string;
let patientId: string;
let practitionerId: string;

beforeAll(async () => {
  admin = await token({ role: 'admin', org, sub: 'validation-admin' });
  practitionerId = await createPractitioner(admin, practitionerBody('Validator'));
  clinician = await token({ role: 'clinician', org, sub: 'validation-clinician', practitionerId });
  patientId = await createPatient(admin, {
    ...phiPatient(testPhi()),
    generalPractitioner: [{ reference: `Practitioner/${practitionerId}` }],
  });
});

const refs = () => ({ patient: patientId, practitioner: practitionerId });
const observationItems = async () =>
  (await orgRecordItems(org)).filter((item) => String(item.pk).includes('#Observation#'));

/** An Observation spoiled one way, and the element the refusal must name. */
const INVALID: { name: string; body: () => Record<string, unknown>; expression: string }[] = [
  {
    name: 'a decimal written as a word',
    body: () => ({ ...heartRate(refs(), WHEN), valueQuantity: { value: 'high', unit: '/min' } }),
    expression: 'Observation.valueQuantity.value',
  },
  {
    name: 'a status outside its required value set',
    body: () => ({ ...heartRate(refs(), WHEN), status: 'finished' }),
    expression: 'Observation.status',
  },
  {
    name: 'no code',
    body: () => {
      const { code: _code, ...rest } = heartRate(refs(), WHEN);
      return rest;
    },
    expression: 'Observation.code',
  },
  {
    name: 'an unknown element',
    body: () => ({ ...heartRate(refs(), WHEN), severity: 'high' }),
    expression: 'Observation.severity',
  },
  {
    name: 'two value[x]',
    body: () => ({ ...heartRate(refs(), WHEN), valueString: '72 per minute' }),
    expression: 'Observation.value[x]',
  },
  {
    name: 'a component without its code',
    body: () => {
      const panel = bloodPressure(refs(), WHEN);
      const [systolic, diastolic] = panel.component;
      const { code: _code, ...withoutCode } = diastolic ?? {};
      return { ...panel, component: [systolic, withoutCode] };
    },
    expression: 'Observation.component[1].code',
  },
];

describe('Observation bodies checked against the R4 structure', () => {
  it.each(INVALID)(
    'a create with $name is a 400 naming $expression, and writes nothing',
    async ({ body, expression }) => {
      const response = await api('/Observation', { token: clinician, body: body() });
      expect(response.status, response.text).toBe(400);
      expect(field(response.json, 'resourceType')).toBe('OperationOutcome');
      expect(issueExpressions(response)).toContain(expression);
      expect(await observationItems()).toEqual([]);
    },
  );

  it('an update with an invalid body is a 400 naming the element, and the record stays at version 1', async () => {
    const id = await createResource(clinician, heartRate(refs(), WHEN));
    const response = await api(`/Observation/${id}`, {
      method: 'PUT',
      token: clinician,
      body: { ...heartRate(refs(), WHEN), id, valueQuantity: { value: 'high' } },
      headers: { 'if-match': 'W/"1"' },
    });
    expect(response.status, response.text).toBe(400);
    expect(issueExpressions(response)).toContain('Observation.valueQuantity.value');
    const read = await api(`/Observation/${id}`, { token: clinician });
    expect(field(read.json, 'meta', 'versionId')).toBe('1');
    expect(field(read.json, 'valueQuantity', 'value')).toBe(72);
  });

  it('a patch that would leave an invalid resource is refused naming the element, and writes nothing', async () => {
    const id = await createResource(clinician, heartRate(refs(), WHEN));
    const before = await observationItems();
    const response = await api(`/Observation/${id}`, {
      method: 'PATCH',
      token: clinician,
      body: [{ op: 'replace', path: '/status', value: 'finished' }],
      headers: { 'if-match': 'W/"1"', 'content-type': 'application/json-patch+json' },
    });
    expect(response.status, response.text).toBe(422);
    expect(issueExpressions(response)).toContain('Observation.status');
    expect(await observationItems()).toEqual(before);
  });
});
