import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/principal.ts';
import { mayBookFor, mayChangeStatus } from '../../../shared/auth/scheduling.ts';

const patient: Principal = { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' };
const staff: Principal[] = [
  { sub: 'd', role: 'clinician', org: 'o', practitionerId: 'pr-1' },
  { sub: 'a', role: 'admin', org: 'o' },
];

describe("the patient role's appointment rules", () => {
  it('lets a patient book only for themself', () => {
    expect(mayBookFor(patient, 'p-1')).toBe(true);
    expect(mayBookFor(patient, 'p-2')).toBe(false);
  });

  it('leaves bookings by staff to the Patient policy', () => {
    for (const caller of staff) expect(mayBookFor(caller, 'p-2')).toBe(true);
  });

  it('lets a patient only cancel a booked appointment', () => {
    expect(mayChangeStatus(patient, 'booked', 'cancelled')).toBe(true);
    expect(mayChangeStatus(patient, 'booked', 'booked')).toBe(false);
    expect(mayChangeStatus(patient, 'booked', 'arrived')).toBe(false);
    expect(mayChangeStatus(patient, 'arrived', 'fulfilled')).toBe(false);
    expect(mayChangeStatus(patient, 'cancelled', 'cancelled')).toBe(false);
  });

  it('leaves status changes by staff to the life cycle', () => {
    for (const caller of staff) expect(mayChangeStatus(caller, 'arrived', 'fulfilled')).toBe(true);
  });
});
