import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { localArchive } from '../../../shared/audit/archive.ts';

const dirs: string[] = [];
const freshDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'archive-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the local write-once archive', () => {
  it('a copy appears whole and read-only, and no temporary file stays behind', async () => {
    const dir = freshDir();
    const archive = localArchive(dir);
    expect(await archive.create('items/p/s.json', '{"a":1}')).toBe('created');
    expect(readFileSync(join(dir, 'items/p/s.json'), 'utf8')).toBe('{"a":1}');
    expect(statSync(join(dir, 'items/p/s.json')).mode & 0o222).toBe(0);
    expect(readdirSync(join(dir, 'items/p'))).toEqual(['s.json']);
  });

  it('never replaces a copy: a second create is "exists" and the first text stays', async () => {
    const dir = freshDir();
    const archive = localArchive(dir);
    await archive.create('items/p/s.json', 'first');
    expect(await archive.create('items/p/s.json', 'forged')).toBe('exists');
    expect(readFileSync(join(dir, 'items/p/s.json'), 'utf8')).toBe('first');
    expect(readdirSync(join(dir, 'items/p'))).toEqual(['s.json']);
  });

  it('of racing creates of one name exactly one wins, and the copy is the winner’s whole text', async () => {
    const dir = freshDir();
    const archive = localArchive(dir);
    const texts = Array.from({ length: 20 }, (_, index) => `text-${index}-${'x'.repeat(10_000)}`);
    const outcomes = await Promise.all(texts.map((text) => archive.create('items/p/s.json', text)));
    expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
    const winner = texts[outcomes.indexOf('created')];
    expect(readFileSync(join(dir, 'items/p/s.json'), 'utf8')).toBe(winner);
    expect(readdirSync(join(dir, 'items/p'))).toEqual(['s.json']);
  });
});
