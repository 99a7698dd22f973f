/**
 * `Patient/{id}/$everything`: the patient and every record of their compartment that the caller
 * may see, in one searchset, paged. Each type is read from the patient's own partition (never
 * the organization's), in the order of EVERYTHING_TYPES, under the same access rules as a search
 * of that type; a page may run from the end of one type into the next. The route's one
 * AuditEvent concerns the patient and lists every record it disclosed.
 */
import { BadRequestError } from '../base/errors.ts';
import { dateRange, elementRange, parameterValues, type TimeRange } from '../fhir/search-match.ts';
import { clinicalDefinitions } from '../resources/clinical.ts';
import type { ClinicalDefinition } from '../resources/definition.ts';
import { EVERYTHING_TYPES, type EverythingType } from '../resources/registry.ts';
import { appointmentSearch } from '../store/hooks/appointment-search.ts';
import { type FhirResource, storedClinicalType } from '../store/hooks/clinical.ts';
import { clinicalSearch } from '../store/hooks/clinical-search.ts';
import { patientType } from '../store/hooks/patient.ts';
import type { SearchHooks, SearchQuery, StoreRequest } from '../store/hooks/types.ts';
import { readResource, searchResources } from '../store/repository.ts';
import type { Stored } from '../store/resources.ts';
import type { SearchMatch, SearchPage } from './bundles.ts';

export interface EverythingQuery {
  /** Care dates (a date, partial or whole): records whose care date overlaps [start, end], and undated ones. */
  start?: string | undefined;
  end?: string | undefined;
  /** Only records changed at or after this instant. */
  _since?: string | undefined;
  _type?: readonly EverythingType[] | undefined;
}

/**
 * A page's cursor: the index of the type it resumes in, and that type's own search cursor
 * (bound to the type, so it opens only where it was made), or the index alone for a type's start.
 */
const CURSOR = /^(\d{1,2})(?:\.(.+))?$/;

function cursorOf(cursor: string | undefined): { index: number; inner: string | undefined } {
  if (cursor === undefined) return { index: 0, inner: undefined };
  const [, index, inner] = CURSOR.exec(cursor) ?? [];
  if (index === undefined || Number(index) >= EVERYTHING_TYPES.length) throw cursorError();
  return { index: Number(index), inner };
}

/** Within the care dates: the record's care date overlaps them, or it has none. */
function withinCare(definition: ClinicalDefinition, care: TimeRange | undefined) {
  const parameter = definition.searchParameters.find((candidate) => candidate.name === definition.sortDate);
  return (resource: FhirResource): boolean => {
    if (care === undefined || parameter === undefined) return true;
    const spans = (parameterValues(resource, parameter) ?? []).flatMap((node) => elementRange(node) ?? []);
    return spans.length === 0 || spans.some((span) => span.start < care.end && span.end > care.start);
  };
}

/** A type's search hooks with the operation's own filters added to its plan's. */
function narrowed<T, Q extends SearchQuery>(
  hooks: SearchHooks<T, Q>,
  keep: (head: Stored<T>) => boolean,
): SearchHooks<T, Q> {
  return {
    ...hooks,
    plan: async (request, query) => {
      const plan = await hooks.plan(request, query);
      return { ...plan, matches: (head) => (plan.matches?.(head) ?? true) && keep(head) };
    },
  };
}

const clinicalOfType = new Map(
  clinicalDefinitions.map((definition) => [
    definition.resourceType as string,
    { definition, search: clinicalSearch(storedClinicalType(definition)) },
  ]),
);

const cursorError = () =>
  new BadRequestError('_cursor is not a cursor of this operation', {
    code: 'invalid',
    details: [{ location: 'query._cursor', message: 'must be the cursor of a next link' }],
  });

export async function everythingPage(
  request: StoreRequest & { baseUrl: string },
  patientId: string,
  query: EverythingQuery,
  page: { cursor: string | undefined; count: number },
  binding: unknown,
): Promise<SearchPage> {
  // The patient first, on every page: a caller who may not read them gets the read's 404 (or
  // 410), before any record of theirs is looked at.
  const patient = await readResource(request, patientType, patientId);
  const care: TimeRange | undefined =
    query.start === undefined && query.end === undefined
      ? undefined
      : {
          start: query.start === undefined ? Number.NEGATIVE_INFINITY : (dateRange(query.start)?.start ?? 0),
          end: query.end === undefined ? Number.POSITIVE_INFINITY : (dateRange(query.end)?.end ?? 0),
        };
  const since = query._since === undefined ? undefined : Date.parse(query._since);
  const changedSince = (lastUpdated: string) => since === undefined || Date.parse(lastUpdated) >= since;
  const wanted = (type: EverythingType) => query._type === undefined || query._type.includes(type);

  const matches: SearchMatch[] = [];
  const add = (type: string, id: string, resource: unknown) =>
    matches.push({ id, resource, fullUrl: `${request.baseUrl}/${type}/${id}` });
  let { index, inner } = cursorOf(page.cursor);
  for (; index < EVERYTHING_TYPES.length; index++, inner = undefined) {
    const type = EVERYTHING_TYPES[index] as EverythingType;
    if (!wanted(type)) continue;
    // A full page links to the next type wanted; past the last one there is no next page.
    const count = page.count - matches.length;
    if (count === 0) return { matches, next: String(index) };
    // A cursor made for one type opens only for it.
    const typeBinding = [binding, type];
    let found: { matches: Stored<unknown>[]; next?: string };
    if (type === 'Patient') {
      if (inner !== undefined) throw cursorError();
      if (changedSince(patient.lastUpdated)) add(type, patientId, patient.resource);
      continue;
    } else if (type === 'Appointment') {
      const appointments = narrowed(appointmentSearch, (head) => changedSince(head.lastUpdated));
      const range = {
        ...(care && Number.isFinite(care.start) ? { from: care.start } : {}),
        ...(care && Number.isFinite(care.end) ? { to: care.end } : {}),
      };
      found = await searchResources(
        request,
        appointments,
        { patient: patientId, ...range, _count: count, _cursor: inner },
        typeBinding,
      );
    } else {
      const clinical = clinicalOfType.get(type);
      if (!clinical) continue;
      const inCare = withinCare(clinical.definition, care);
      const search = narrowed(
        clinical.search,
        (head) => changedSince(head.lastUpdated) && inCare(head.resource),
      );
      found = await searchResources(
        request,
        search,
        { patient: patientId, _count: count, _cursor: inner },
        typeBinding,
      );
    }
    for (const match of found.matches) add(type, match.id, match.resource);
    if (found.next) return { matches, next: `${index}.${found.next}` };
  }
  return { matches };
}
