import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { timeOfUuidv7, uuidv7 } from '../../../shared/audit/ids.ts';

describe('AuditEvent ids', () => {
  it('a UUIDv7 carries the millisecond it was made for', () => {
    const now = new Date('2026-11-25T08:15:42.123Z');
    const id = uuidv7(now);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(timeOfUuidv7(id)?.toISOString()).toBe('2026-11-25T08:15:42.123Z');
  });

  it('ids of later milliseconds sort after earlier ones, as sort keys do', () => {
    const early = uuidv7(new Date('2001-03-04T05:06:07.008Z'));
    const late = uuidv7(new Date('2001-03-04T05:06:07.009Z'));
    expect(early < late).toBe(true);
  });

  it('two ids of the same millisecond differ', () => {
    const now = new Date();
    expect(uuidv7(now)).not.toBe(uuidv7(now));
  });

  it('a random UUIDv4 or any other text has no time', () => {
    expect(timeOfUuidv7(randomUUID())).toBeUndefined();
    expect(timeOfUuidv7('not-an-id')).toBeUndefined();
    expect(timeOfUuidv7(uuidv7(new Date()).toUpperCase())).toBeUndefined();
  });
});
