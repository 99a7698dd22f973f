import { describe, expect, it } from 'vitest';
import type { Visit } from '../../../shared/schedule/visit.ts';
import {
  appointmentHeadAttributes,
  careLinkDelete,
  careLinkPut,
  lockRelease,
  lockWrite,
  visitLocks,
} from '../../../shared/store/schedule-items.ts';
import { lockKeys } from '../../../shared/store/schedule-keys.ts';

const at = (text: string): number => Date.parse(text);
const visit: Visit = {
  patientId: 'p-1',
  practitionerId: 'pr-1',
  patientIndex: 0,
  practitionerIndex: 1,
  start: at('2026-12-21T09:50:00Z'),
  end: at('2026-12-21T11:05:00Z'),
};

describe('the lock items of a booking', () => {
  it('locks the practitioner’s schedule, then the patient’s, each use naming its participant and time', () => {
    const locks = visitLocks('org-1', visit);
    const practitionerKeys = lockKeys('org-1', 'Practitioner', 'pr-1', visit.start, visit.end);
    const patientKeys = lockKeys('org-1', 'Patient', 'p-1', visit.start, visit.end);
    expect(locks.map(({ key }) => key)).toEqual([...practitionerKeys, ...patientKeys]);
    expect(locks[0]?.use).toMatchObject({ owner: 'Practitioner', ownerId: 'pr-1', participantIndex: 1 });
    expect(locks.at(-1)?.use).toMatchObject({ owner: 'Patient', ownerId: 'p-1', participantIndex: 0 });
    // A partial hour item stands for the visit's part of the hour, not the whole hour.
    const partial = locks.find(({ key }) => key.kind === 'partial-hour');
    expect(partial?.use.start).toBe(visit.start);
  });

  it('takes a slot only if nobody holds it, a whole hour only if nobody holds any of it', () => {
    const [slot] = lockKeys(
      'org-1',
      'Patient',
      'p-1',
      at('2026-12-21T09:50:00Z'),
      at('2026-12-21T09:55:00Z'),
    ).filter((key) => key.kind === 'slot');
    const [hour] = lockKeys(
      'org-1',
      'Patient',
      'p-1',
      at('2026-12-21T10:00:00Z'),
      at('2026-12-21T11:00:00Z'),
    );
    if (!slot || !hour) throw new Error('expected a slot and an hour');
    expect(lockWrite('records', slot, 'a-1').Put).toMatchObject({
      Item: {
        pk: slot.pk,
        sk: slot.sk,
        appointmentId: 'a-1',
        expiresAt: at('2026-12-21T09:55:00Z') / 1000 + 7 * 86_400,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    expect(lockWrite('records', hour, 'a-1').Update?.ConditionExpression).toBe(
      'attribute_not_exists(#full) AND attribute_not_exists(#partial)',
    );
  });

  it('releases only what this appointment holds', () => {
    const keys = lockKeys('org-1', 'Patient', 'p-1', visit.start, visit.end);
    for (const key of keys) {
      const release = lockRelease('records', key, 'a-1');
      const condition = release.Delete?.ConditionExpression;
      if (key.kind === 'partial-hour')
        expect(release.Update?.UpdateExpression).toContain('DELETE #partial :ids');
      else expect(condition).toMatch(/^attribute_not_exists\(pk\) OR /);
    }
  });
});

describe('the care link and head attributes of a booking', () => {
  it('puts and deletes the same care link item, ending at the visit’s end', () => {
    const put = careLinkPut('records', 'org-1', visit, 'a-1').Put;
    expect(put?.Item).toEqual({
      pk: 'org-1#care#pr-1',
      sk: 'p-1#2026-12-21T11:05:00.000Z#appointment#a-1',
      basis: 'appointment',
      end: '2026-12-21T11:05:00.000Z',
      appointmentId: 'a-1',
    });
    expect(careLinkDelete('records', 'org-1', visit, 'a-1').Delete?.Key).toEqual({
      pk: put?.Item?.pk,
      sk: put?.Item?.sk,
    });
  });

  it('keeps in clear the participant index keys, the time and the status', () => {
    expect(appointmentHeadAttributes('org-1', 'a-1', visit, 'booked')).toEqual({
      patientPk: 'org-1#Appointment?patient=p-1',
      practitionerPk: 'org-1#Appointment?practitioner=pr-1',
      startSk: '2026-12-21T09:50:00.000Z#a-1',
      patientId: 'p-1',
      practitionerId: 'pr-1',
      start: '2026-12-21T09:50:00.000Z',
      end: '2026-12-21T11:05:00.000Z',
      status: 'booked',
    });
  });
});
