import { describe, expect, it } from 'vitest';
import { HttpError } from '../../../shared/base/errors.ts';
import type { Appointment } from '../../../shared/fhir/appointment.ts';
import type { Role } from '../../../shared/routes.ts';
import {
  appointmentChange,
  patientChangeIssues,
  patientPatchIssues,
  TRANSITIONS,
} from '../../../shared/schedule/changes.ts';

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

/** What `appointmentChange` answers: whether it cancels, or the refusal's status and message. */
function change(next: Appointment, role: Role = 'clinician', current: Appointment = booked) {
  try {
    // As shared/auth/scheduling.ts mayChangeStatus: a patient only cancels a booked appointment.
    const mayChangeStatus = (from: string, to: string) =>
      role !== 'patient' || (from === 'booked' && to === 'cancelled');
    return appointmentChange(current, next, { role, mayChangeStatus });
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    return { status: error.status, message: error.message };
  }
}

const cancelled: Appointment = { ...booked, status: 'cancelled', cancelationReason: { text: 'ill' } };

describe('what a new version of a booked appointment may change', () => {
  it('follows the life cycle: booked to arrived, cancelled or noshow; arrived to fulfilled', () => {
    expect(TRANSITIONS).toEqual({ booked: ['arrived', 'cancelled', 'noshow'], arrived: ['fulfilled'] });
    expect(change({ ...booked, status: 'arrived' })).toEqual({ cancelling: false });
    expect(change({ ...booked, status: 'fulfilled' }, 'clinician', { ...booked, status: 'arrived' })).toEqual(
      {
        cancelling: false,
      },
    );
    expect(change({ ...booked, description: 'second opinion' })).toEqual({ cancelling: false });
    expect(change(cancelled)).toEqual({ cancelling: true });
  });

  it('is a 409 for a transition the life cycle does not have', () => {
    expect(change({ ...booked, status: 'fulfilled' })).toEqual({
      status: 409,
      message: 'an appointment that is booked cannot become fulfilled',
    });
    expect(change({ ...booked, status: 'booked' }, 'admin', cancelled)).toMatchObject({ status: 409 });
  });

  it('does not cancel again what is cancelled already', () => {
    expect(change({ ...cancelled, comment: 'noted' }, 'admin', cancelled)).toEqual({ cancelling: false });
  });

  it('is a 422 for a new time or other participants: rebooking is cancel and book', () => {
    const refused = {
      status: 422,
      message: 'start, end and participants cannot change; cancel and book again',
    };
    expect(change({ ...booked, start: '2026-12-20T09:05:00Z' })).toEqual(refused);
    expect(change({ ...booked, end: undefined })).toEqual(refused);
    expect(
      change({
        ...booked,
        participant: [
          { actor: { reference: 'Patient/p-1' }, status: 'accepted' },
          { actor: { reference: 'Practitioner/pr-2' }, status: 'accepted' },
        ],
      }),
    ).toEqual(refused);
    expect(
      change({
        ...booked,
        participant: [...booked.participant, { actor: { reference: 'Patient/p-1' }, status: 'accepted' }],
      }),
    ).toEqual(refused);
    // The same instant with another offset is the same time.
    expect(change({ ...booked, start: '2026-12-20T10:00:00+01:00' })).toEqual({ cancelling: false });
  });

  it('is a 422 for a cancellation without a cancelationReason', () => {
    expect(change({ ...booked, status: 'cancelled' })).toEqual({
      status: 422,
      message: 'a cancellation needs a cancelationReason',
    });
  });

  it('lets a patient only cancel a booked appointment, changing nothing else (403)', () => {
    expect(change(cancelled, 'patient')).toEqual({ cancelling: true });
    expect(change({ ...cancelled, description: 'x' }, 'patient')).toEqual({
      status: 403,
      message: 'a patient may only cancel: change status and cancelationReason only',
    });
    expect(change({ ...booked, status: 'noshow' }, 'patient')).toEqual({
      status: 403,
      message: 'a patient may only cancel a booked appointment',
    });
  });
});
