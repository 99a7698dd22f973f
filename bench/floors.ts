import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { EVERYTHING_TYPES } from '../shared/resources/registry.ts';
import type { RouteId } from '../shared/routes.ts';
import { compartmentPk } from '../shared/store/keys.ts';
import { type Fixture, ORG, PAGE } from './workloads.ts';

/**
 * The floor of each route family: the DynamoDB calls its handler makes, made bare with
 * lib-dynamodb from this process on the same DynamoDB Local, with items of the same sizes
 * (copies of the items the handlers wrote, under fresh keys). No HTTP, no JWT, no middy, no
 * encryption, no zod: what is left when everything of ours is taken away.
 */
type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
type Item = Record<string, unknown>;

/** Floor copies live in their own organization: same key lengths, never in our results. */
const FLOOR_ORG = 'org-floor';

/** Items one Query of a search page reads (shared/store/paging.ts visiblePage): its page and one more, at least 20. */
const chunkOf = (count: number): number => Math.min(100, Math.max(count + 1, 20));

export interface Floors {
  run: Partial<Record<RouteId, () => Promise<void>>>;
  /** Items per transaction of the write floors, to compare with what the handlers did. */
  transactionItems: Partial<Record<RouteId, number>>;
  destroy(): void;
}

export async function createFloors(
  endpoint: string,
  tables: { records: string; audit: string },
  fixture: Fixture & { appointmentId: string },
): Promise<Floors> {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region: 'us-east-1',
      endpoint,
      maxAttempts: 3,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const get = async (table: string, key: Item): Promise<Item> => {
    const { Item: item } = await client.send(
      new GetCommand({ TableName: table, Key: key, ConsistentRead: true }),
    );
    if (!item) throw new Error(`floor template ${JSON.stringify(key)} not found`);
    return item;
  };
  const patientPk = (id: string) => `${ORG}#Patient#${id}`;
  const templatePatient = fixture.patientIds[0] ?? '';
  const patientHead = await get(tables.records, { pk: patientPk(templatePatient), sk: 'head' });
  const patientVersion = await get(tables.records, { pk: patientPk(templatePatient), sk: 'v#0000000001' });
  const appointmentPk = `${ORG}#Appointment#${fixture.appointmentId}`;
  const appointmentHead = await get(tables.records, { pk: appointmentPk, sk: 'head' });
  const appointmentVersion = await get(tables.records, { pk: appointmentPk, sk: 'v#0000000001' });
  const { Items: events = [] } = await client.send(
    new QueryCommand({
      TableName: tables.audit,
      IndexName: 'byPatient',
      KeyConditionExpression: 'patientPk = :p',
      ExpressionAttributeValues: { ':p': `${ORG}#${fixture.searchPatientId}` },
      ScanIndexForward: false,
      Limit: 1,
    }),
  );
  const auditEvent = events[0];
  if (!auditEvent) throw new Error('no AuditEvent to copy for the floors');
  /** The newest AuditEvent of `action` concerning the patient: one the route itself wrote (seed.ts). */
  const auditOf = async (patientId: string, action: string): Promise<Item> => {
    const { Items = [] } = await client.send(
      new QueryCommand({
        TableName: tables.audit,
        IndexName: 'byPatient',
        KeyConditionExpression: 'patientPk = :p',
        ExpressionAttributeValues: { ':p': `${ORG}#${patientId}` },
        ScanIndexForward: false,
        Limit: 50,
      }),
    );
    const event = Items.find((item) => item.action === action && item.disclosureOf === undefined);
    if (!event) throw new Error(`no AuditEvent ${action} of Patient/${patientId} to copy for the floors`);
    return event;
  };
  const observationPk = (id: string) => `${ORG}#Observation#${id}`;
  const templateObservation = fixture.observationIds[0] ?? '';
  const observationHead = await get(tables.records, { pk: observationPk(templateObservation), sk: 'head' });
  const observationVersion = await get(tables.records, {
    pk: observationPk(templateObservation),
    sk: 'v#0000000001',
  });
  const observationAudit = {
    create: await auditOf(fixture.vitalSignsPatientId, 'C'),
    read: await auditOf(fixture.vitalSignsPatientId, 'R'),
    search: await auditOf(fixture.vitalSignsPatientId, 'E'),
  };
  const everythingAudit = await auditOf(fixture.historyPatientId, 'E');
  const tokens = Array.isArray(patientHead.tokens) ? patientHead.tokens.map(String) : [];
  const familyToken = tokens.find((token) => token.includes('?family='));
  if (!familyToken) throw new Error('the template patient has no family search item');

  /** A copy in the floor organization under a fresh id. */
  const relabel = (item: Item, overrides: Item): Item => {
    const copy: Item = {};
    for (const [name, value] of Object.entries(item)) {
      copy[name] = typeof value === 'string' ? value.replaceAll(ORG, FLOOR_ORG) : value;
    }
    return { ...copy, ...overrides };
  };
  const auditCopy = (template: Item = auditEvent): TransactItem['Put'] & object => {
    const recorded = new Date().toISOString();
    const sk = `${recorded}#${randomUUID()}`;
    return {
      TableName: tables.audit,
      Item: relabel(template, { pk: `AE#${recorded.slice(0, 13)}`, sk, recordedSk: sk }),
      ConditionExpression: 'attribute_not_exists(pk)',
    };
  };
  const newPatientItems = (): TransactItem[] => {
    const id = randomUUID();
    const pk = `${FLOOR_ORG}#Patient#${id}`;
    return [
      {
        Put: {
          TableName: tables.records,
          Item: relabel(patientHead, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tables.records,
          Item: relabel(patientVersion, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...tokens.map(
        (token): TransactItem => ({
          Put: {
            TableName: tables.records,
            Item: { pk: token.replaceAll(ORG, FLOOR_ORG), sk: id, id, org: FLOOR_ORG },
          },
        }),
      ),
      { Put: auditCopy() },
    ];
  };
  const transact = (items: TransactItem[]) => client.send(new TransactWriteCommand({ TransactItems: items }));
  const putAudit = (template?: Item) => client.send(new PutCommand(auditCopy(template)));
  const getHead = (pk: string) =>
    client.send(new GetCommand({ TableName: tables.records, Key: { pk, sk: 'head' }, ConsistentRead: true }));
  const batchGetHeads = (pks: string[]) =>
    client.send(
      new BatchGetCommand({
        RequestItems: {
          [tables.records]: { Keys: pks.map((pk) => ({ pk, sk: 'head' })), ConsistentRead: true },
        },
      }),
    );

  let cursor = 0;
  const nextPatientPk = () => patientPk(fixture.patientIds[cursor++ % fixture.patientIds.length] ?? '');

  // The update floor rewrites one head of its own, as an update rewrites the patient's.
  const updatePk = `${FLOOR_ORG}#Patient#${randomUUID()}`;
  let updateVersion = 1;
  await client.send(
    new PutCommand({ TableName: tables.records, Item: relabel(patientHead, { pk: updatePk, versionId: 1 }) }),
  );

  const lockItems = (start: number, appointmentId: string): TransactItem[] => {
    const hour = new Date(start - (start % 3_600_000)).toISOString().slice(0, 13);
    const slot = new Date(start).toISOString().slice(0, 16);
    const expiresAt = Math.floor(start / 1000) + 8 * 86_400;
    return ['Practitioner', 'Patient'].flatMap((owner): TransactItem[] => {
      const pk = `${FLOOR_ORG}#schedule#${owner}#${randomUUID()}`;
      return [
        {
          Update: {
            TableName: tables.records,
            Key: { pk, sk: `h#${hour}Z` },
            UpdateExpression: 'SET #expires = :expires ADD #partial :ids',
            ConditionExpression: 'attribute_not_exists(#full)',
            ExpressionAttributeNames: { '#full': 'full', '#partial': 'partial', '#expires': 'expiresAt' },
            ExpressionAttributeValues: { ':ids': new Set([appointmentId]), ':expires': expiresAt },
          },
        },
        {
          Put: {
            TableName: tables.records,
            Item: { pk, sk: `s#${slot}Z`, appointmentId, expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      ];
    });
  };
  const newAppointmentItems = (): TransactItem[] => {
    const id = randomUUID();
    const pk = `${FLOOR_ORG}#Appointment#${id}`;
    return [
      {
        Put: {
          TableName: tables.records,
          Item: relabel(appointmentHead, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tables.records,
          Item: relabel(appointmentVersion, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      ...lockItems(Date.now() + 86_400_000, id),
      {
        Update: {
          TableName: tables.records,
          Key: { pk: `${FLOOR_ORG}#care#${fixture.practitionerId}`, sk: randomUUID() },
          UpdateExpression: 'SET #reason = if_not_exists(#reason, :reason)',
          ExpressionAttributeNames: { '#reason': 'reason' },
          ExpressionAttributeValues: { ':reason': 'appointment' },
        },
      },
      { Put: auditCopy() },
    ];
  };

  /** A clinical create writes the head and first version, and commits its AuditEvent with them. */
  const newObservationItems = (): TransactItem[] => {
    const id = randomUUID();
    const pk = `${FLOOR_ORG}#Observation#${id}`;
    return [
      {
        Put: {
          TableName: tables.records,
          Item: relabel(observationHead, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: tables.records,
          Item: relabel(observationVersion, { pk, id }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: auditCopy(observationAudit.create) },
    ];
  };
  let observationCursor = 0;
  const nextObservationPk = () =>
    observationPk(fixture.observationIds[observationCursor++ % fixture.observationIds.length] ?? '');

  /** Search items name the resource id in `sk`; index entries name the head in `pk`. */
  const queryKeys = async (query: QueryCommand, key: 'pk' | 'sk'): Promise<string[]> => {
    const { Items = [] } = await client.send(query);
    return Items.map((item) => String(item[key]));
  };

  return {
    transactionItems: {
      createPatient: newPatientItems().length,
      updatePatient: 3,
      createAppointment: newAppointmentItems().length,
      createObservation: newObservationItems().length,
    },
    run: {
      readPatient: async () => {
        await getHead(nextPatientPk());
        await putAudit();
      },
      createPatient: async () => {
        await transact(newPatientItems());
      },
      updatePatient: async () => {
        await getHead(updatePk);
        updateVersion += 1;
        await transact([
          {
            Put: {
              TableName: tables.records,
              Item: relabel(patientHead, { pk: updatePk, versionId: updateVersion }),
              ConditionExpression: 'versionId = :expected AND attribute_not_exists(deleted)',
              ExpressionAttributeValues: { ':expected': updateVersion - 1 },
            },
          },
          {
            Put: {
              TableName: tables.records,
              Item: relabel(patientVersion, {
                pk: updatePk,
                sk: `v#${String(updateVersion).padStart(10, '0')}`,
              }),
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          },
          { Put: auditCopy() },
        ]);
      },
      // The route's calls: one page of index keys, the heads of the page and of the one more
      // visible match that decides `next`, and the AuditEvent with one disclosure item per
      // further listed patient, in one transaction (issue 13: every disclosure findable by patient).
      searchPatients: async () => {
        const ids = await queryKeys(
          new QueryCommand({
            TableName: tables.records,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': familyToken },
            Limit: 2 * PAGE,
          }),
          'sk',
        );
        await batchGetHeads(ids.map(patientPk));
        const event = auditCopy();
        const { pk, sk } = event.Item ?? {};
        await transact([
          { Put: event },
          ...ids.slice(1, PAGE).map((id) => ({
            Put: {
              TableName: tables.audit,
              Item: { pk, sk: `${sk}#p#${id}`, patientPk: `${FLOOR_ORG}#${id}` },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          })),
        ]);
      },
      createAppointment: async () => {
        await getHead(`${ORG}#Practitioner#${fixture.practitionerId}`);
        await getHead(patientPk(fixture.bookingPatientId));
        await transact(newAppointmentItems());
      },
      // As searchObservation: the patient's head, a chunk of their partition (the read that
      // decides `next` too: the container records a BatchGetItem of the 12 heads it found).
      searchAppointments: async () => {
        await getHead(patientPk(fixture.searchPatientId));
        const pks = await queryKeys(
          new QueryCommand({
            TableName: tables.records,
            IndexName: 'byPatient',
            KeyConditionExpression: 'patientPk = :pk',
            ExpressionAttributeValues: { ':pk': `${ORG}#Appointment?patient=${fixture.searchPatientId}` },
            Limit: chunkOf(PAGE),
          }),
          'pk',
        );
        await batchGetHeads(pks);
        await putAudit();
      },
      searchAuditEvents: async () => {
        await client.send(
          new QueryCommand({
            TableName: tables.audit,
            IndexName: 'byPatient',
            KeyConditionExpression: 'patientPk = :p',
            ExpressionAttributeValues: { ':p': `${ORG}#${fixture.searchPatientId}` },
            ScanIndexForward: false,
            Limit: PAGE,
          }),
        );
        await putAudit();
      },
      // The handler reads the patient's head (may the caller write to them?), then commits.
      createObservation: async () => {
        await getHead(nextPatientPk());
        await transact(newObservationItems());
      },
      readObservation: async () => {
        await getHead(nextObservationPk());
        await putAudit(observationAudit.read);
      },
      // The named patient's head (the Patient policy), a chunk of their partition newest first,
      // the heads of all it found (the page and the matches past it that decide `next`), the event.
      searchObservation: async () => {
        await getHead(patientPk(fixture.vitalSignsPatientId));
        const pks = await queryKeys(
          new QueryCommand({
            TableName: tables.records,
            IndexName: 'byPatient',
            KeyConditionExpression: 'patientPk = :pk',
            ExpressionAttributeValues: {
              ':pk': compartmentPk(ORG, 'Observation', fixture.vitalSignsPatientId),
            },
            ScanIndexForward: false,
            Limit: chunkOf(PAGE),
          }),
          'pk',
        );
        await batchGetHeads(pks);
        await putAudit(observationAudit.search);
      },
      // shared/http/everything.ts: the Patient read (its head also serves the types' policy
      // decisions), then each type's partition of the patient in EVERYTHING_TYPES order, a
      // chunk of it and the heads found, until the page is full; one AuditEvent, all of one
      // patient (no disclosure items).
      patientEverything: async () => {
        const pk = patientPk(fixture.historyPatientId);
        await getHead(pk);
        let room = PAGE - 1;
        for (const type of EVERYTHING_TYPES) {
          if (type === 'Patient') continue;
          if (room === 0) break;
          const pks = await queryKeys(
            new QueryCommand({
              TableName: tables.records,
              IndexName: 'byPatient',
              KeyConditionExpression: 'patientPk = :pk',
              ExpressionAttributeValues: { ':pk': compartmentPk(ORG, type, fixture.historyPatientId) },
              // Clinical types newest first; appointments by start.
              ScanIndexForward: type === 'Appointment',
              Limit: chunkOf(room),
            }),
            'pk',
          );
          if (pks.length > 0) await batchGetHeads(pks);
          if (pks.length > room) break;
          room -= pks.length;
        }
        await putAudit(everythingAudit);
      },
    },
    destroy: () => client.destroy(),
  };
}
