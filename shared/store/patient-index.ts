import { normalizeForSearch, searchPrefix } from '../crypto/normalize.ts';
import { blindIndexer } from '../crypto/runtime.ts';
import { humanNameParts } from '../fhir/datatypes.ts';
import type { Patient } from '../fhir/patient.ts';
import { searchPk } from './keys.ts';

/**
 * Patient search parameters served from blind indexes: every searchable value is
 * normalized, then HMAC'd under the organization's key; only the tokens reach DynamoDB.
 * `gender` is not among them: with four possible values its tokens would show the split of
 * the organization's patients by frequency, so it filters decrypted records instead.
 */
export const PATIENT_SEARCH_PARAMS = ['family', 'given', 'name', 'birthdate', 'identifier'] as const;
export type PatientSearchParam = (typeof PATIENT_SEARCH_PARAMS)[number];

/** The name parameters: matched by how a name starts, or with `:exact` as written. */
export const NAME_PARAMS = ['family', 'given', 'name'] as const;
export type NameParam = (typeof NAME_PARAMS)[number];
export const isNameParam = (param: string): param is NameParam =>
  (NAME_PARAMS as readonly string[]).includes(param);

/** `gender=` against a decrypted record, normalized as the other parameters are. Pure. */
export const genderMatches = (patient: Patient, wanted: string): boolean =>
  patient.gender !== undefined && normalizeForSearch(patient.gender) === normalizeForSearch(wanted);

/** A resource may carry at most this many search items, so a write fits one transaction. */
export const MAX_SEARCH_ITEMS = 40;

/** The normalized values a Patient is found by, per parameter. Pure. */
export function patientSearchValues(patient: Patient): [PatientSearchParam, string][] {
  const values: [PatientSearchParam, string][] = [];
  const push = (param: PatientSearchParam, value: string | undefined) => {
    if (value === undefined) return;
    const normalized = param === 'identifier' ? value.trim() : normalizeForSearch(value);
    if (normalized.length > 0 && !values.some(([p, v]) => p === param && v === normalized)) {
      values.push([param, normalized]);
    }
  };
  for (const name of patient.name ?? []) {
    push('family', name.family);
    for (const given of name.given ?? []) push('given', given);
    for (const part of humanNameParts(name)) push('name', part);
  }
  for (const value of birthDateValues(patient.birthDate)) push('birthdate', value);
  for (const identifier of patient.identifier ?? []) {
    if (identifier.value === undefined) continue;
    // `value` (any system), `system|value`, and `|value` (no system), as FHIR token search reads them.
    push('identifier', `*|${identifier.value}`);
    push('identifier', `${identifier.system ?? ''}|${identifier.value}`);
  }
  return values;
}

/** 1974-12-25 is found by birthdate=1974, 1974-12 and 1974-12-25. */
function birthDateValues(birthDate: string | undefined): string[] {
  if (!birthDate) return [];
  return [
    birthDate.slice(0, 4),
    birthDate.length >= 7 ? birthDate.slice(0, 7) : undefined,
    birthDate.length >= 10 ? birthDate : undefined,
  ].filter((value): value is string => value !== undefined);
}

/** The value of a query parameter in the form `patientSearchValues` stores it. */
export function queryValue(param: PatientSearchParam, raw: string): string {
  if (param !== 'identifier') return normalizeForSearch(raw);
  // identifier=value matches any system; system|value that system; |value no system.
  return raw.includes('|') ? raw.trim() : `*|${raw.trim()}`;
}

export async function searchItemKey(org: string, param: PatientSearchParam, value: string): Promise<string> {
  const token = await blindIndexer().token(org, `Patient.${param}`, value);
  return searchPk(org, 'Patient', param, token);
}

/**
 * The name strings a name parameter is matched against: `family` the family names, `given` the
 * given names, `name` every part of every HumanName (text, family, given, prefix, suffix), as
 * FHIR's `name` parameter does. Pure.
 */
export function nameStrings(patient: Patient, param: NameParam): string[] {
  return (patient.name ?? []).flatMap((name) => {
    if (param === 'family') return name.family === undefined ? [] : [name.family];
    if (param === 'given') return name.given ?? [];
    return humanNameParts(name);
  });
}

/**
 * A name criterion against a decrypted record. Without `exact`, FHIR's string search: some name
 * starts with the value, ignoring case and accents (`normalizeForSearch` on both sides, so
 * `mül` and `mul` find Müller). With `exact`, some name is the value as written, compared in
 * Unicode's composed form (NFC) so that how a client encodes `ü` does not matter, and case and
 * accents do. Pure.
 */
export function nameMatches(patient: Patient, param: NameParam, value: string, exact: boolean): boolean {
  const names = nameStrings(patient, param);
  if (exact) {
    const wanted = value.normalize('NFC');
    return names.some((name) => name.normalize('NFC') === wanted);
  }
  const wanted = normalizeForSearch(value);
  return wanted.length > 0 && names.some((name) => normalizeForSearch(name).startsWith(wanted));
}

/**
 * The prefix tokens' values of a Patient: the first characters of each normalized name part,
 * once each. One namespace for family, given and the other parts, so a name part costs at most
 * one item however many parameters match it; a part shorter than the prefix has none (a
 * search that short is refused, and `:exact` uses the full-value token). Not to be confused
 * with HumanName.prefix (Dr., Mrs.), which is one of the parts. Pure.
 */
export function namePrefixes(patient: Patient): string[] {
  const prefixes = new Set<string>();
  for (const part of nameStrings(patient, 'name')) {
    const prefix = searchPrefix(normalizeForSearch(part));
    if (prefix !== undefined) prefixes.add(prefix);
  }
  return [...prefixes];
}

/** The key of the prefix token's items for a prefix (`searchPrefix` of a normalized value). */
export async function namePrefixKey(org: string, prefix: string): Promise<string> {
  const token = await blindIndexer().token(org, 'Patient.name-prefix', prefix);
  return searchPk(org, 'Patient', 'name-prefix', token);
}

export async function patientSearchKeys(org: string, patient: Patient): Promise<string[]> {
  return Promise.all([
    ...patientSearchValues(patient).map(([param, value]) => searchItemKey(org, param, value)),
    ...namePrefixes(patient).map((prefix) => namePrefixKey(org, prefix)),
  ]);
}
