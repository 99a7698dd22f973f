import { createHmac, timingSafeEqual } from 'node:crypto';
import { GenerateMacCommand, KMSClient, VerifyMacCommand } from '@aws-sdk/client-kms';

/**
 * A KMS client that never leaves the process: GenerateMac and VerifyMac are answered with
 * HMAC-SHA256 under the local index key (so tokens equal those the local indexer wrote)
 * and counted. Given to the real KMS blind indexer, it counts the HMAC calls a container
 * would make to KMS in AWS, its token cache included.
 */
export function countingKms(indexKey: Buffer): { client: KMSClient; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  const client = new KMSClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  const hmac = (message: Uint8Array | undefined): Buffer =>
    createHmac('sha256', indexKey)
      .update(message ?? new Uint8Array())
      .digest();
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      calls.set(name, (calls.get(name) ?? 0) + 1);
      const input: unknown = args.input;
      if (
        name === GenerateMacCommand.name &&
        typeof input === 'object' &&
        input !== null &&
        'Message' in input
      ) {
        const message = input.Message instanceof Uint8Array ? input.Message : undefined;
        return { output: { Mac: hmac(message), $metadata: {} }, response: {} };
      }
      if (
        name === VerifyMacCommand.name &&
        typeof input === 'object' &&
        input !== null &&
        'Message' in input
      ) {
        const message = input.Message instanceof Uint8Array ? input.Message : undefined;
        const given =
          'Mac' in input && input.Mac instanceof Uint8Array ? Buffer.from(input.Mac) : Buffer.alloc(0);
        const expected = hmac(message);
        const valid = given.length === expected.length && timingSafeEqual(given, expected);
        if (!valid) {
          const error = new Error('invalid MAC');
          error.name = 'KMSInvalidMacException';
          throw error;
        }
        return { output: { MacValid: true, $metadata: {} }, response: {} };
      }
      throw new Error(`the bench's KMS does not serve ${name}`);
    },
    { step: 'initialize', name: 'benchCountingKms' },
  );
  return { client, calls };
}
