import { describe, expect, it } from 'vitest';
import type { Appointment } from '../../../shared/fhir/appointment.ts';
import { patientChangeIssues, patientPatchIssues } from '../../../shared/store/appointments.ts';

const booked: Appointment = {
  resourceType: 'Appointment',
  status: 'booked',
  description: 'follow-up',
  start: '2026-12-20T09:00:00Z',
  end: '2026-12-20T09:30:00Z',
  participant: [
    { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
    { actor: { reference: 'Practitioner/pr-1' }, status: 'accepted' },
  ],
  meta: { versionId: '1', lastUpdated: '2026-12-01T00:00:00.000Z' },
};

describe('what a cancelling patient may change', () => {
  it('lets a patch add, replace, remove or test /status and /cancelationReason, and nothing else', () => {
    expect(
      patientPatchIssues([
        { op: 'test', path: '/status', value: 'booked' },
        { op: 'replace', path: '/status', value: 'cancelled' },
        { op: 'add', path: '/cancelationReason', value: { text: 'ill' } },
        { op: 'replace', path: '/cancelationReason/text', value: 'ill' },
      ]),
    ).toEqual([]);
    expect(
      patientPatchIssues([
        { op: 'replace', path: '/status', value: 'cancelled' },
        { op: 'replace', path: '/description', value: 'x' },
        { op: 'copy', from: '/participant', path: '/cancelationReason/extension' },
        { op: 'add', path: '/statusReason', value: 'x' },
        // Inside the reason, but a copy of itself into itself doubles it: refused too.
        { op: 'copy', from: '/cancelationReason', path: '/cancelationReason/coding' },
        { op: 'move', from: '/cancelationReason/text', path: '/cancelationReason/extension' },
      ]).map((issue) => issue.location),
    ).toEqual(['JsonPatch[1]', 'JsonPatch[2]', 'JsonPatch[3]', 'JsonPatch[4]', 'JsonPatch[5]']);
  });

  it('names every element a new version changes besides status, cancelationReason and server meta', () => {
    const cancelled: Appointment = {
      ...booked,
      status: 'cancelled',
      cancelationReason: { text: 'ill' },
      meta: { versionId: '7', lastUpdated: '2026-12-02T00:00:00.000Z' },
    };
    expect(patientChangeIssues(booked, cancelled)).toEqual([]);
    const { description: _description, ...withoutDescription } = cancelled;
    expect(
      patientChangeIssues(booked, { ...withoutDescription, comment: 'x' }).map((issue) => issue.location),
    ).toEqual(['Appointment.comment', 'Appointment.description']);
  });
});
