/**
 * Bundled in place of `@smithy/core/event-streams` (see ./options.ts). The SDK's protocol
 * code imports it on demand for operations that stream events; DynamoDB, KMS and Lambda
 * Invoke, all this backend calls, have none. Saves 15 KB of every function.
 */
function unsupported(): never {
  throw new Error('AWS SDK event streams are not bundled into this backend');
}

export const EventStreamSerde = unsupported;
export const eventStreamSerdeProvider = unsupported;

/**
 * S3's client resolves an event-stream marshaller at construction, for SelectObjectContent
 * only; the archive function sends PutObject, so the configuration passes through as it is.
 */
export const resolveEventStreamSerdeConfig = <T>(input: T): T => input;
