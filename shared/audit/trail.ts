import type { RefusedClaims } from '../auth/errors.ts';
import type { Principal } from '../auth/principal.ts';
import { canonicalJson, sha256Hex } from '../crypto/canonical.ts';
import type { Envelope } from '../crypto/envelope.ts';
import type { AuditAction, RouteDef } from '../routes.ts';
import { uuidv7 } from './ids.ts';
import {
  agentKey,
  disclosureSortKey,
  eventPartition,
  eventSortKey,
  hourOf,
  orgKey,
  patientKey,
  purposeKey,
} from './keys.ts';

/** FHIR AuditEvent.outcome: success, minor failure (refused, invalid), serious failure (server). */
export type AuditOutcome = '0' | '4' | '8';

export const outcomeOfStatus = (status: number): AuditOutcome =>
  status < 400 ? '0' : status < 500 ? '4' : '8';

export const AUDIT_EXTENSION = {
  requestId: 'https://fhir-records.dev/StructureDefinition/request-id',
  userAgent: 'https://fhir-records.dev/StructureDefinition/user-agent',
  status: 'https://fhir-records.dev/StructureDefinition/http-status',
  hash: 'https://fhir-records.dev/StructureDefinition/event-hash',
  /** On purposeOfEvent: the break-glass reason, sealed with the data key (see `sealReason`). */
  encryptedText: 'https://fhir-records.dev/StructureDefinition/encrypted-text',
} as const;

/** Where a break-glass reason is sealed for: its event, so a copy in another event does not open. */
export const reasonRef = (org: string, eventId: string) => ({
  tenant: org,
  resourceType: 'AuditEvent',
  id: eventId,
  versionId: 1,
});

/**
 * The break-glass reason as stored: an envelope under the data key's audit-reason purpose
 * (the coded purpose BTG stays in clear for queries and alarms). The envelope comes with the
 * reason from the store that found it, so the trail (in every function) imports no crypto.
 */
async function sealReason(envelope: Envelope, org: string, eventId: string, reason: string): Promise<string> {
  const sealed = await envelope.seal(reasonRef(org, eventId), reason);
  return Buffer.from(sealed).toString('base64');
}

export interface RequestFacts {
  requestId: string;
  sourceIp: string;
  userAgent: string;
}

export interface AuditEventRecord {
  /** The FHIR AuditEvent as stored and served. */
  resource: AuditEventResource;
  /** The access-log item, keys included. */
  item: Record<string, unknown>;
  /**
   * One disclosure item per patient the event names beyond the one its own `patientPk`
   * covers: what puts the event in those patients' byPatient index (see `disclosureItems`).
   */
  disclosures: Record<string, unknown>[];
}

const PATIENT_REFERENCE = /^Patient\/([A-Za-z0-9\-.]{1,64})$/;

/** The patients an event names (its `Patient/<id>` entities), in the order they were seen. */
export const patientsOf = (entities: readonly string[]): string[] =>
  entities.flatMap((reference) => PATIENT_REFERENCE.exec(reference)?.[1] ?? []);

/**
 * The disclosure items of an event: one per patient after the first, each in the event's own
 * hour partition (`pk`), sorted right after it (`<eventSk>#p#<patientId>`), so sealing and
 * verification treat them as ordinary items of the hour. Each carries only ids and codes:
 * the byPatient index key (`patientPk`, `recordedSk` = the event's sort key), the event it
 * stands for (`disclosureOf`, its sort key in the same partition), copies of the event's
 * filter attributes under names no index uses (`action`, `outcome`, `agent`, `purpose`), and,
 * like every item of the access log, `event` (its canonical JSON) and `hash` (its SHA-256).
 */
export function disclosureItems(item: Record<string, unknown>, org: string, patients: readonly string[]) {
  const { pk, sk, action, outcome, agentPk, purposePk } = item;
  if (typeof sk !== 'string') return [];
  const id = sk.slice(sk.indexOf('#') + 1);
  return patients.map((patientId) => {
    const event = canonicalJson({
      disclosure: { event: `AuditEvent/${id}`, patient: `Patient/${patientId}`, organization: org },
    });
    return {
      pk,
      sk: disclosureSortKey(sk, patientId),
      recordedSk: sk,
      patientPk: patientKey(org, patientId),
      disclosureOf: sk,
      action,
      outcome,
      agent: agentPk,
      ...(purposePk !== undefined ? { purpose: purposePk } : {}),
      hash: sha256Hex(event),
      event,
    };
  });
}

export interface AuditEventResource {
  resourceType: 'AuditEvent';
  id: string;
  type: { system: string; code: string; display: string };
  subtype: { system: string; code: string }[];
  action: AuditAction;
  recorded: string;
  outcome: AuditOutcome;
  outcomeDesc?: string;
  purposeOfEvent?: {
    coding: { system: string; code: string; display: string }[];
    text?: string;
    extension?: { url: string; valueBase64Binary: string }[];
  }[];
  agent: {
    type: { coding: { system: string; code: string }[] };
    who: { identifier: { system: string; value: string }; reference?: string };
    requestor: true;
    network: { address: string; type: '2' };
    role?: { coding: { system: string; code: string }[] }[];
  }[];
  source: { site: string; observer: { display: string }; type: { system: string; code: string }[] };
  entity?: { what: { reference: string }; type: { system: string; code: string } }[];
  extension: { url: string; valueString?: string; valueInteger?: number }[];
}

/**
 * What one request did to whom: filled in by the repositories as they work, turned into
 * exactly one AuditEvent when the request ends (or inside the write's transaction).
 */
export class AuditTrail {
  readonly route: RouteDef;
  readonly principal: Principal;
  readonly facts: RequestFacts;
  readonly entities: string[] = [];
  /** The patient the access concerned, for the patient's own access report. */
  patientId: string | undefined;
  /** Set when the caller used break-glass: the stated reason is kept as the purpose text. */
  breakGlassReason: string | undefined;
  /** Seals `breakGlassReason`; set with it (see shared/store/patient-access.ts). */
  reasonEnvelope: Envelope | undefined;
  /** True once an AuditEvent for this request is written (or part of a committed transaction). */
  committed = false;

  constructor(route: RouteDef, principal: Principal, facts: RequestFacts) {
    this.route = route;
    this.principal = principal;
    this.facts = facts;
  }

  see(reference: string): void {
    if (!this.entities.includes(reference)) this.entities.push(reference);
  }

  concernsPatient(patientId: string): void {
    this.patientId ??= patientId;
    this.see(`Patient/${patientId}`);
  }

  /**
   * Forgets what the request touched so far: a create replayed under its Idempotency-Key
   * names what the caller got back, not the id it minted and never wrote.
   */
  restart(): void {
    this.entities.length = 0;
    this.patientId = undefined;
  }

  build(status: number, outcomeDesc?: string, now: Date = new Date()): Promise<AuditEventRecord> {
    const { principal } = this;
    const reference =
      principal.role === 'patient' && principal.patientId
        ? `Patient/${principal.patientId}`
        : principal.practitionerId
          ? `Practitioner/${principal.practitionerId}`
          : undefined;
    return buildRecord(
      this,
      { sub: principal.sub, org: principal.org, roles: [principal.role], reference },
      status,
      outcomeDesc,
      now,
    );
  }

  /** The trail of one entry of this batch, for an entry refused before it reached its route. */
  forEntry(index: number): AuditTrail {
    return new AuditTrail(this.route, this.principal, {
      ...this.facts,
      requestId: `${this.facts.requestId}-${index + 1}`,
    });
  }
}

/**
 * Where refusals of tokens whose organization claim is missing or malformed are filed: a
 * value no organization id can take (ids match `[A-Za-z0-9.-]`), so no compliance user of
 * any organization reads them through the API; the operator finds them in the byOrg index.
 */
export const SYSTEM_ORG = '_system';

/** Who acted, as the AuditEvent names them. */
interface Agent {
  sub: string;
  /** Where the event is filed (orgPk, source.site). */
  org: string;
  roles: readonly string[];
  reference: string | undefined;
}

type TrailFacts = Pick<
  AuditTrail,
  'route' | 'facts' | 'entities' | 'patientId' | 'breakGlassReason' | 'reasonEnvelope'
>;

/**
 * The AuditEvent of a validly signed token refused for its claims (no organization, no or
 * several roles, a patient or clinician without their id): filed under the organization the
 * token names when that claim is well-formed (the issuer signed it: it is that
 * organization's user, misconfigured), else under SYSTEM_ORG.
 */
export function claimsRefusalRecord(
  route: RouteDef,
  claims: RefusedClaims,
  facts: RequestFacts,
  status: number,
  outcomeDesc: string,
  now: Date = new Date(),
): Promise<AuditEventRecord> {
  const reference = claims.practitionerId
    ? `Practitioner/${claims.practitionerId}`
    : claims.patientId && claims.roles.includes('patient')
      ? `Patient/${claims.patientId}`
      : undefined;
  return buildRecord(
    {
      route,
      facts,
      entities: [],
      patientId: undefined,
      breakGlassReason: undefined,
      reasonEnvelope: undefined,
    },
    { sub: claims.sub ?? 'unknown', org: claims.org ?? SYSTEM_ORG, roles: claims.roles, reference },
    status,
    outcomeDesc,
    now,
  );
}

async function buildRecord(
  trail: TrailFacts,
  agent: Agent,
  status: number,
  outcomeDesc: string | undefined,
  now: Date,
): Promise<AuditEventRecord> {
  const { facts, route } = trail;
  // Time-ordered: the id names the event's partition and sort key (see ids.ts).
  const id = uuidv7(now);
  if (trail.breakGlassReason !== undefined && trail.reasonEnvelope === undefined) {
    throw new Error('a break-glass reason came without the envelope that seals it');
  }
  const sealedReason =
    trail.breakGlassReason && trail.reasonEnvelope
      ? await sealReason(trail.reasonEnvelope, agent.org, id, trail.breakGlassReason)
      : undefined;
  const recorded = now.toISOString();
  const outcome = outcomeOfStatus(status);
  const agentReference = agent.reference;
  const resource: AuditEventResource = {
    resourceType: 'AuditEvent',
    id,
    type: {
      system: 'http://terminology.hl7.org/CodeSystem/audit-event-type',
      code: 'rest',
      display: 'RESTful Operation',
    },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: route.interaction }],
    action: route.audit ?? 'E',
    recorded,
    outcome,
    ...(outcomeDesc ? { outcomeDesc } : {}),
    ...(sealedReason
      ? {
          purposeOfEvent: [
            {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason',
                  code: 'BTG',
                  display: 'break the glass',
                },
              ],
              extension: [{ url: AUDIT_EXTENSION.encryptedText, valueBase64Binary: sealedReason }],
            },
          ],
        }
      : {}),
    agent: [
      {
        type: {
          coding: [
            { system: 'http://terminology.hl7.org/CodeSystem/extra-security-role-type', code: 'humanuser' },
          ],
        },
        who: {
          identifier: { system: 'urn:fhir-records:sub', value: agent.sub },
          ...(agentReference ? { reference: agentReference } : {}),
        },
        requestor: true,
        network: { address: facts.sourceIp, type: '2' },
        // A caller of no known role (an unknown Cognito group) has none: R4's JSON has no empty arrays.
        ...(agent.roles.length > 0
          ? {
              role: agent.roles.map((role) => ({
                coding: [{ system: 'urn:fhir-records:role', code: role }],
              })),
            }
          : {}),
      },
    ],
    source: {
      site: agent.org,
      observer: { display: 'fhir-records-backend' },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '3' }],
    },
    ...(trail.entities.length > 0
      ? {
          entity: trail.entities.map((reference) => ({
            what: { reference },
            type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2' },
          })),
        }
      : {}),
    extension: [
      { url: AUDIT_EXTENSION.requestId, valueString: facts.requestId },
      { url: AUDIT_EXTENSION.userAgent, valueString: facts.userAgent },
      { url: AUDIT_EXTENSION.status, valueInteger: status },
    ],
  };
  const event = canonicalJson(resource);
  const hash = sha256Hex(event);
  const sk = eventSortKey(recorded, id);
  // The event's own patientPk covers one patient (the one the access concerned, else the
  // first listed); every other one gets a disclosure item.
  const patients = patientsOf(trail.entities);
  const covered = trail.patientId ?? patients[0];
  const item: Record<string, unknown> = {
    pk: eventPartition(hourOf(recorded)),
    sk,
    recordedSk: sk,
    orgPk: orgKey(agent.org),
    agentPk: agentKey(agent.org, agent.sub),
    ...(covered ? { patientPk: patientKey(agent.org, covered) } : {}),
    ...(trail.breakGlassReason ? { purposePk: purposeKey(agent.org, 'BTG') } : {}),
    action: resource.action,
    outcome,
    hash,
    event,
  };
  const others = patients.filter((patientId) => patientId !== covered);
  return { resource, item, disclosures: disclosureItems(item, agent.org, others) };
}
