import * as z from 'zod/mini';

/**
 * The AuditEvent as read back from the access log. Loose: the stored canonical JSON is
 * served as it is (its hash is over exactly that), this only checks the parts we use.
 */
const Coding = z.looseObject({
  system: z.optional(z.string()),
  code: z.optional(z.string()),
  display: z.optional(z.string()),
});

export const StoredAuditEvent = z.looseObject({
  resourceType: z.literal('AuditEvent'),
  id: z.string(),
  type: z.optional(Coding),
  subtype: z.optional(z.array(Coding)),
  action: z.optional(z.string()),
  recorded: z.string(),
  outcome: z.optional(z.string()),
  outcomeDesc: z.optional(z.string()),
  purposeOfEvent: z.optional(
    z.array(
      z.looseObject({
        coding: z.optional(z.array(Coding)),
        text: z.optional(z.string()),
        extension: z.optional(
          z.array(z.looseObject({ url: z.string(), valueBase64Binary: z.optional(z.string()) })),
        ),
      }),
    ),
  ),
  agent: z.array(
    z.looseObject({
      who: z.optional(
        z.looseObject({
          identifier: z.optional(z.looseObject({ value: z.optional(z.string()) })),
          reference: z.optional(z.string()),
        }),
      ),
      requestor: z.optional(z.boolean()),
      network: z.optional(z.looseObject({ address: z.optional(z.string()) })),
      role: z.optional(z.array(z.looseObject({ coding: z.optional(z.array(Coding)) }))),
    }),
  ),
  source: z.optional(z.looseObject({ site: z.optional(z.string()) })),
  entity: z.optional(
    z.array(z.looseObject({ what: z.optional(z.looseObject({ reference: z.optional(z.string()) })) })),
  ),
  extension: z.optional(
    z.array(
      z.looseObject({
        url: z.string(),
        valueString: z.optional(z.string()),
        valueInteger: z.optional(z.number()),
      }),
    ),
  ),
});
export type StoredAuditEvent = z.infer<typeof StoredAuditEvent>;

/** Parses an item's `event` attribute; undefined when it is not an AuditEvent. */
export function parseStoredEvent(text: string): StoredAuditEvent | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = StoredAuditEvent.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export const agentRole = (event: StoredAuditEvent): string | undefined =>
  event.agent[0]?.role?.[0]?.coding?.[0]?.code;

const PRACTITIONER = /^Practitioner\/[A-Za-z0-9.-]{1,64}$/;

/**
 * What a patient's access report shows of one AuditEvent: who (role, organization, the
 * Practitioner where the agent is one), when, what, why and how it ended. Never the
 * agent's internals (user id, network address, user agent, request id), never another
 * patient: entities other than the patient's own record are left out.
 */
export function accessReportEntry(event: StoredAuditEvent, patientId: string) {
  const role = agentRole(event);
  const reference = event.agent[0]?.who?.reference;
  const ownRecord = `Patient/${patientId}`;
  return {
    resourceType: 'AuditEvent' as const,
    id: event.id,
    ...(event.type ? { type: event.type } : {}),
    ...(event.subtype ? { subtype: event.subtype } : {}),
    ...(event.action ? { action: event.action } : {}),
    recorded: event.recorded,
    ...(event.outcome ? { outcome: event.outcome } : {}),
    // The coded purpose only: the break-glass reason is for compliance staff.
    ...(event.purposeOfEvent
      ? { purposeOfEvent: event.purposeOfEvent.map(({ coding }) => (coding ? { coding } : {})) }
      : {}),
    agent: [
      {
        ...(role ? { role: [{ coding: [{ system: 'urn:fhir-records:role', code: role }] }] } : {}),
        ...(reference && PRACTITIONER.test(reference) ? { who: { reference } } : {}),
        requestor: true,
      },
    ],
    source: {
      ...(event.source?.site ? { site: event.source.site } : {}),
      observer: { display: 'fhir-records-backend' },
    },
    entity: [{ what: { reference: ownRecord } }],
  };
}
