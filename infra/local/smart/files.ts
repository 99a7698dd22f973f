import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Small state files of the local authorization server in the data dir. Whole files are
 * replaced by a rename, so a reader (the gateway re-reading what a CLI wrote) never sees half
 * of one; line files take one append per record, which concurrent CLIs cannot interleave.
 */
export function writeFileAtomically(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = join(dirname(path), `.${randomUUID()}.tmp`);
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Creates `path` with `text`, failing (EEXIST) rather than replacing a file that is there. */
export function createFile(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
}

export function appendLine(path: string, record: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  appendFileSync(path, `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** The text of `path`, or undefined when there is no such file. */
export function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Each line of a line file that parses as JSON; a torn or edited line is skipped, not fatal. */
export function readLines(path: string): unknown[] {
  const records: unknown[] = [];
  for (const line of (readIfExists(path) ?? '').split('\n')) {
    if (line.trim().length === 0) continue;
    try {
      records.push(JSON.parse(line));
    } catch {
      // A line cut short by a crash: the records around it still count.
    }
  }
  return records;
}
