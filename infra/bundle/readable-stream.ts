/**
 * Bundled in place of `readable-stream` (see ./options.ts): the Encryption SDK and duplexify
 * use readable-stream 3, a copy of Node 10's streams kept for browsers and old runtimes.
 * Node's own streams are the same classes grown up; this hands them out under that
 * package's names and saves 43 KB of every record function. The one difference the SDK
 * relies on: readable-stream's `pipeline` makes the callback optional (the SDK passes
 * none and watches the streams' own 'error' events), Node's requires one.
 * test/integration/lambda-bundles.test.ts and the bundled run of
 * test/unit/crypto/envelope.test.ts exercise the SDK on these streams.
 */
import {
  pipeline as corePipeline,
  Duplex,
  finished,
  PassThrough,
  Readable,
  Stream,
  Transform,
  Writable,
} from 'node:stream';

const ignore = (): void => {};

export function pipeline(...streams: unknown[]): unknown {
  const run = corePipeline as (...args: unknown[]) => unknown;
  return typeof streams.at(-1) === 'function' ? run(...streams) : run(...streams, ignore);
}

export { Duplex, finished, PassThrough, Readable, Stream, Transform, Writable };

export default { Duplex, finished, PassThrough, pipeline, Readable, Stream, Transform, Writable };
