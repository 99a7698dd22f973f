import { tableNames } from '../../base/dynamo.ts';
import { ForbiddenError, UnprocessableError } from '../../base/errors.ts';
import { elementRange } from '../../fhir/search-match.ts';
import { careLinkPk, careLinkSk, compartmentPk, sortDateSk } from '../keys.ts';
import { patientAccessOf } from '../patient-access.ts';
import type { TransactItem } from '../resources.ts';
import { type ClinicalResourceType, type FhirResource, requiredPatientId, sortDateOf } from './clinical.ts';
import { patientDecision } from './patient-decision.ts';
import type { StoreRequest, WriteHooks } from './types.ts';

/** A care team's link without an end lasts until the team is changed, ended or deleted. */
const OPEN_END = '9999-12-31T23:59:59.999Z';
const PRACTITIONER_REFERENCE = /^Practitioner\/([A-Za-z0-9.-]{1,64})$/;
/** Members of one team that get a care link: each is two items of the write's transaction. */
const MAX_CARE_TEAM_LINKS = 20;

interface CareTeamLink {
  practitionerId: string;
  start?: string;
  end: string;
}

const iso = (value: string | undefined, edge: 'start' | 'end'): string | undefined => {
  const range = value === undefined ? undefined : elementRange(value);
  if (!range) return undefined;
  return new Date(edge === 'start' ? range.start : range.end - 1).toISOString();
};

/**
 * The care relationships an active CareTeam gives: each Practitioner member, for the member's
 * period (or else the team's). Any other status (proposed, suspended, inactive,
 * entered-in-error) gives none. Pure.
 */
export function careTeamLinks(careTeam: FhirResource): CareTeamLink[] {
  if (careTeam.resourceType !== 'CareTeam' || careTeam.status !== 'active') return [];
  const team = careTeam.period as { start?: string; end?: string } | undefined;
  const participants = Array.isArray(careTeam.participant) ? careTeam.participant : [];
  const links = new Map<string, CareTeamLink>();
  for (const participant of participants as { member?: { reference?: string }; period?: typeof team }[]) {
    const practitionerId = PRACTITIONER_REFERENCE.exec(participant.member?.reference ?? '')?.[1];
    if (practitionerId === undefined) continue;
    const period = participant.period ?? team;
    const start = iso(period?.start, 'start');
    links.set(practitionerId, {
      practitionerId,
      ...(start === undefined ? {} : { start }),
      end: iso(period?.end, 'end') ?? OPEN_END,
    });
  }
  return [...links.values()];
}

const linkKey = (org: string, patientId: string, careTeamId: string, link: CareTeamLink) => ({
  pk: careLinkPk(org, link.practitionerId),
  sk: careLinkSk(patientId, link.end, 'careteam', careTeamId),
});

/** The care-link items of a CareTeam's change: the new links put, the dropped ones deleted. */
function careTeamItems(
  org: string,
  id: string,
  next: FhirResource | undefined,
  current: FhirResource | undefined,
  patientId: string,
): TransactItem[] {
  const table = tableNames().records;
  const wanted = next ? careTeamLinks(next) : [];
  if (wanted.length > MAX_CARE_TEAM_LINKS) {
    throw new UnprocessableError(`a care team may name at most ${MAX_CARE_TEAM_LINKS} practitioners`, {
      details: [
        {
          location: 'CareTeam.participant',
          message: `must name at most ${MAX_CARE_TEAM_LINKS} practitioners`,
        },
      ],
    });
  }
  const keyOf = (link: CareTeamLink) => JSON.stringify(linkKey(org, patientId, id, link));
  const kept = new Set(wanted.map(keyOf));
  const dropped = (current ? careTeamLinks(current) : []).filter((link) => !kept.has(keyOf(link)));
  return [
    ...wanted.map((link) => ({
      Put: {
        TableName: table,
        Item: {
          ...linkKey(org, patientId, id, link),
          basis: 'careteam',
          end: link.end,
          ...(link.start === undefined ? {} : { start: link.start }),
        },
      },
    })),
    ...dropped.map((link) => ({ Delete: { TableName: table, Key: linkKey(org, patientId, id, link) } })),
  ];
}

/**
 * Before a record enters a compartment: the caller must be allowed to write to the patient's
 * (a care relationship, or admin). An unknown patient and one the caller may not see answer
 * alike (422 on the element), so the answer does not tell whether the patient exists.
 */
async function mayWriteFor(request: StoreRequest, type: ClinicalResourceType, resource: FhirResource) {
  const patientId = requiredPatientId(type.definition, resource);
  request.audit.concernsPatient(patientId);
  // Patients read their record; what goes into it is written by the clinic (as for the Patient).
  if (request.principal.role === 'patient') throw new ForbiddenError('patients cannot write to their record');
  // The Patient policy on the live patient: an unknown patient is hidden, for admins too.
  const decision = await patientDecision(request, patientId, 'write');
  if (decision.allowed) return;
  if (decision.breakGlass) throw patientAccessOf(request).breakGlassRefused(`Patient/${patientId}`);
  const location = `${type.resourceType}.${type.definition.patientElement}`;
  throw new UnprocessableError(`${location} must reference a patient you may write to`, {
    details: [{ location, message: 'must reference a Patient of the organization in your care' }],
  });
}

/** Creates, changes and deletes of a clinical type: compartment, partition keys, care links. */
export function clinicalWrites(type: ClinicalResourceType): WriteHooks<FhirResource> {
  const { definition } = type;
  return {
    ...type,
    beforeCreate: async (request, resource) => {
      await mayWriteFor(request, type, resource);
      return resource;
    },
    beforeChange: async (_request, current, next) => {
      if (requiredPatientId(definition, next) !== requiredPatientId(definition, current.resource)) {
        const location = `${type.resourceType}.${definition.patientElement}`;
        throw new UnprocessableError(
          'a record cannot move to another patient: delete it and create it there',
          {
            details: [{ location, message: 'must reference the same patient as the current version' }],
          },
        );
      }
    },
    versionPlan: (request, version, current) => {
      const org = request.principal.org;
      const patientId = requiredPatientId(definition, version.resource);
      return {
        head: {
          patientPk: compartmentPk(org, type.resourceType, patientId),
          startSk: sortDateSk(sortDateOf(definition, version.resource), version.id),
        },
        ...(type.resourceType === 'CareTeam'
          ? { items: careTeamItems(org, version.id, version.resource, current?.resource, patientId) }
          : {}),
      };
    },
    ...(type.resourceType === 'CareTeam'
      ? {
          deletePlan: (request, current) =>
            careTeamItems(
              request.principal.org,
              current.id,
              undefined,
              current.resource,
              requiredPatientId(definition, current.resource),
            ),
        }
      : {}),
  };
}
