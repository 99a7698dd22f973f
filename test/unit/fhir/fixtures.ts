import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const FIXTURES = join(import.meta.dirname, '../../fixtures/fhir');

/** The FHIR specification's example resources whose file names start with `prefix`. */
export function specExamples(prefix: string): { file: string; json: unknown }[] {
  return readdirSync(FIXTURES)
    .filter((file) => file.startsWith(prefix) && file.endsWith('.json'))
    .sort()
    .map((file) => ({ file, json: JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) }));
}

/** A fresh copy of one example, to be changed by a test. */
export function specExample(file: string): Record<string, unknown> {
  const json: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new Error(`${file} is not an object`);
  return { ...json };
}
