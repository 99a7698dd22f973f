import { describe, expect, it } from 'vitest';
import type { Principal } from '../../../shared/auth/principal.ts';
import { BadRequestError } from '../../../shared/base/errors.ts';
import { breakGlassReasonOf } from '../../../shared/http/break-glass.ts';
import { type RouteDef, routes } from '../../../shared/routes.ts';

const clinician: Principal = { sub: 'd', role: 'clinician', org: 'o', practitionerId: 'pr-1' };
const header = (reason: string) => ({ 'x-break-glass-reason': reason });

describe('the break-glass reason of a request', () => {
  it('takes a break-glass reason of 10 to 500 characters and refuses others', () => {
    const read = routes.readPatient;
    expect(breakGlassReasonOf(read, clinician, {})).toBeUndefined();
    expect(breakGlassReasonOf(read, clinician, header('  unconscious patient  '))).toBe(
      'unconscious patient',
    );
    expect(breakGlassReasonOf(read, clinician, header('a'.repeat(10)))).toBe('a'.repeat(10));
    expect(breakGlassReasonOf(read, clinician, header('b'.repeat(500)))).toBe('b'.repeat(500));
    expect(() => breakGlassReasonOf(read, clinician, header('short'))).toThrow(/10 to 500/);
    expect(() => breakGlassReasonOf(read, clinician, header('   because   '))).toThrow(/10 to 500/);
    expect(() => breakGlassReasonOf(read, clinician, header('x'.repeat(501)))).toThrow(/10 to 500/);
  });

  it('answers a bad reason with a 400 located at the header, without echoing the reason', () => {
    const reason = 'too short';
    let refusal: unknown;
    try {
      breakGlassReasonOf(routes.searchAppointments, clinician, header(reason));
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(BadRequestError);
    const error = refusal as BadRequestError;
    expect(error.status).toBe(400);
    expect(error.message).toBe('X-Break-Glass-Reason must state the reason in 10 to 500 characters');
    expect(JSON.stringify(error.details)).toContain('header.X-Break-Glass-Reason');
    expect(`${error.message}${JSON.stringify(error.details)}`).not.toContain(reason);
  });

  it('is read on the routes of patients, appointments and availability only', () => {
    const bad = header('short');
    const readers: RouteDef[] = [
      routes.readPatient,
      routes.createAppointment,
      routes.practitionerAvailability,
    ];
    for (const def of readers) expect(() => breakGlassReasonOf(def, clinician, bad)).toThrow(/10 to 500/);
    const others: RouteDef[] = [routes.readPractitioner, routes.batch];
    for (const def of others) expect(breakGlassReasonOf(def, clinician, bad)).toBeUndefined();
  });

  it('is not read for callers other than clinicians', () => {
    const bad = header('short');
    const callers: Principal[] = [
      { sub: 'p', role: 'patient', org: 'o', patientId: 'p-1' },
      { sub: 'a', role: 'admin', org: 'o' },
      { sub: 'c', role: 'compliance', org: 'o' },
    ];
    for (const caller of callers) expect(breakGlassReasonOf(routes.readPatient, caller, bad)).toBeUndefined();
  });
});
