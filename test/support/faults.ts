import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../../shared/config.ts';

/** A DynamoDB error as the SDK raises it: recognized by `name`, like the real service's. */
export function awsError(name: string, message = name): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

export type Fault = (command: { commandName: string; input: unknown }) => Error | undefined;

/**
 * A real document client for DynamoDB Local whose requests pass through `fault` first:
 * when it returns an error the request fails with it (and never reaches the table).
 */
export function faultyDynamo(faultRef: { current: Fault | undefined }): DynamoDBDocumentClient {
  const { DYNAMODB_ENDPOINT, AWS_REGION } = config();
  const client = new DynamoDBClient({
    region: AWS_REGION,
    maxAttempts: 1,
    ...(DYNAMODB_ENDPOINT ? { endpoint: DYNAMODB_ENDPOINT } : {}),
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const document = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  document.middlewareStack.add(
    (next, context) => async (args) => {
      const error = faultRef.current?.({ commandName: String(context.commandName ?? ''), input: args.input });
      if (error) throw error;
      return next(args);
    },
    { step: 'initialize', name: 'faultInjection' },
  );
  return document;
}
