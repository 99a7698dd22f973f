import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { itemSize, readUnits, type Units, writeUnits } from './units.ts';

/**
 * A document client like shared/base/dynamo.ts builds, that also records every call the
 * handlers make and the request units it costs (from the sizes of the items read and
 * written). Injected with `setDynamo`, as the tests inject theirs.
 */
export interface Recorded extends Units {
  calls: Map<string, number>;
}

export const emptyRecord = (): Recorded => ({ calls: new Map(), rru: 0, wru: 0 });

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

const items = (value: unknown): Record<string, unknown>[] =>
  Array.isArray(value) ? value.filter(isRecord) : [];

/** Units of one call from its input and output (lib-dynamodb, unmarshalled shapes). */
function unitsOf(command: unknown, output: unknown): { name: string; units: Units } | undefined {
  const out = isRecord(output) ? output : {};
  if (command instanceof GetCommand) {
    const item = isRecord(out.Item) ? out.Item : {};
    return {
      name: `GetItem${command.input.ConsistentRead ? ' (strong)' : ''}`,
      units: { rru: readUnits(itemSize(item), command.input.ConsistentRead === true), wru: 0 },
    };
  }
  if (command instanceof PutCommand) {
    return { name: 'PutItem', units: { rru: 0, wru: writeUnits(itemSize(command.input.Item ?? {})) } };
  }
  if (command instanceof UpdateCommand || command instanceof DeleteCommand) {
    return {
      name: command instanceof UpdateCommand ? 'UpdateItem' : 'DeleteItem',
      units: { rru: 0, wru: 1 },
    };
  }
  if (command instanceof QueryCommand) {
    const consistent = command.input.ConsistentRead === true && command.input.IndexName === undefined;
    const bytes = items(out.Items).reduce((sum, item) => sum + itemSize(item), 0);
    return {
      name: `Query${command.input.IndexName ? ` ${command.input.IndexName}` : ''}`,
      units: { rru: readUnits(bytes, consistent), wru: 0 },
    };
  }
  if (command instanceof BatchGetCommand) {
    let rru = 0;
    let keys = 0;
    const responses = isRecord(out.Responses) ? out.Responses : {};
    for (const [table, request] of Object.entries(command.input.RequestItems ?? {})) {
      keys += request.Keys?.length ?? 0;
      for (const item of items(responses[table]))
        rru += readUnits(itemSize(item), request.ConsistentRead === true);
    }
    return { name: `BatchGetItem(${keys})`, units: { rru, wru: 0 } };
  }
  if (command instanceof TransactWriteCommand) {
    let wru = 0;
    const transactItems = command.input.TransactItems ?? [];
    for (const entry of transactItems) {
      // Updates and deletes here touch small items (locks, care links, search items): 1 KB each.
      wru += 2 * (entry.Put ? writeUnits(itemSize(entry.Put.Item ?? {})) : 1);
    }
    return { name: `TransactWriteItems(${transactItems.length})`, units: { rru: 0, wru } };
  }
  return undefined;
}

export function recordingClient(
  endpoint: string,
  region: string,
  into: () => Recorded,
): DynamoDBDocumentClient {
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      region,
      maxAttempts: 3,
      endpoint,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  const send = client.send.bind(client);
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'send') return Reflect.get(target, property, receiver);
      return async (command: unknown, ...rest: unknown[]): Promise<unknown> => {
        const output: unknown = await Reflect.apply(send, target, [command, ...rest]);
        const call = unitsOf(command, output);
        const record = into();
        const name = call?.name ?? (isRecord(command) ? String(command.constructor.name) : 'unknown');
        record.calls.set(name, (record.calls.get(name) ?? 0) + 1);
        if (call) {
          record.rru += call.units.rru;
          record.wru += call.units.wru;
        }
        return output;
      };
    },
  });
}
