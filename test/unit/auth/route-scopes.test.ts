import { describe, expect, it } from 'vitest';
import { parseScopes, routeScopeDecision, scopeContextOf } from '../../../shared/auth/scopes.ts';
import { routes } from '../../../shared/routes.ts';

const grant = (text: string) => parseScopes(text).scopes;
const patient = (scope: string) => ({ role: 'patient' as const, scopes: grant(scope) });

describe('the scope decision of a route', () => {
  it('maps each interaction of the route table to its SMART letter', () => {
    const cases = [
      [routes.readPatient, 'r'],
      [routes.readPatientVersion, 'r'],
      [routes.patientHistory, 'r'],
      [routes.patientAccessReport, 'r'],
      [routes.searchAppointments, 's'],
      [routes.searchAppointmentsPost, 's'],
      [routes.createAppointment, 'c'],
      [routes.updateAppointment, 'u'],
      [routes.patchAppointment, 'u'],
      [routes.deletePatient, 'd'],
    ] as const;
    for (const [def, letter] of cases) {
      expect(routeScopeDecision(patient(''), def)).toEqual({
        allowed: false,
        missing: `patient/${def.resourceType}.${letter}`,
      });
      expect(routeScopeDecision(patient(`patient/${def.resourceType}.${letter}`), def)).toEqual({
        allowed: true,
        restrictions: [],
      });
    }
  });

  it('does not apply to ID tokens nor to batch, whose entries are checked on their own routes', () => {
    expect(routeScopeDecision({ role: 'patient' }, routes.readPatient)).toBeUndefined();
    expect(routeScopeDecision(patient(''), routes.batch)).toBeUndefined();
  });

  it('reads v1 scopes as their v2 equivalents', () => {
    expect(routeScopeDecision(patient('patient/*.read'), routes.searchAppointments)).toMatchObject({
      allowed: true,
    });
    expect(routeScopeDecision(patient('patient/*.read'), routes.createAppointment)).toEqual({
      allowed: false,
      missing: 'patient/Appointment.c',
    });
  });

  it("reads a clinician's scopes as user/ unless the launch gave a patient context", () => {
    expect(scopeContextOf({ role: 'clinician' })).toBe('user');
    expect(scopeContextOf({ role: 'clinician', launchPatient: 'pat-1' })).toBe('patient');
    expect(scopeContextOf({ role: 'patient' })).toBe('patient');
    const clinician = { role: 'clinician' as const, scopes: grant('patient/*.rs') };
    expect(routeScopeDecision(clinician, routes.readPatient)).toEqual({
      allowed: false,
      missing: 'user/Patient.r',
    });
    expect(routeScopeDecision({ ...clinician, launchPatient: 'pat-1' }, routes.readPatient)).toMatchObject({
      allowed: true,
    });
  });

  it("hands back a granular scope's restriction", () => {
    expect(
      routeScopeDecision(patient('patient/Appointment.s?status=booked'), routes.searchAppointments),
    ).toEqual({ allowed: true, restrictions: [[['status', 'booked']]] });
  });
});
