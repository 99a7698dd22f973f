import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  ExpiredIteratorException,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type Shard,
  TrimmedDataAccessException,
} from '@aws-sdk/client-dynamodb-streams';
import * as z from 'zod/mini';
import type { ArchiveWriter } from '../../shared/audit/archive.ts';
import { consumeRecords } from '../../shared/audit/stream.ts';
import { log } from '../../shared/base/logger.ts';

/**
 * Stands in for the Lambda event source mapping on the access log's stream: polls DynamoDB
 * Local's stream (the DynamoDB Streams API) and hands each batch to the same consumer the
 * Lambda function runs. Where it got to in each shard is kept in `checkpointFile`, so a
 * restart neither skips records nor raises old alarms again.
 */
export interface StreamPoller {
  /** Resolves once every record written before the call has been consumed. */
  drain(): Promise<void>;
  stop(): Promise<void>;
}

const Checkpoints = z.record(z.string(), z.string());

export async function startStreamPoller(options: {
  endpoint: string;
  table: string;
  archive: ArchiveWriter;
  checkpointFile: string;
  intervalMs?: number;
}): Promise<StreamPoller> {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const dynamo = new DynamoDBClient({ endpoint: options.endpoint, region: 'us-east-1', credentials });
  const streams = new DynamoDBStreamsClient({ endpoint: options.endpoint, region: 'us-east-1', credentials });
  const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: options.table }));
  dynamo.destroy();
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`${options.table} has no stream`);

  const parsed = existsSync(options.checkpointFile)
    ? Checkpoints.safeParse(JSON.parse(readFileSync(options.checkpointFile, 'utf8')))
    : undefined;
  const checkpoints = new Map(Object.entries(parsed?.success ? parsed.data : {}));
  const iterators = new Map<string, string | undefined>();
  const closed = new Set<string>();

  async function iteratorFor(shard: Shard): Promise<string | undefined> {
    const shardId = shard.ShardId ?? '';
    if (iterators.has(shardId)) return iterators.get(shardId);
    const after = checkpoints.get(shardId);
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ...(after
          ? { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: after }
          : { ShardIteratorType: 'TRIM_HORIZON' }),
      }),
    );
    iterators.set(shardId, ShardIterator);
    return ShardIterator;
  }

  /** One pass over every open shard, parents before children; true when any record was read. */
  async function poll(): Promise<boolean> {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    let read = false;
    for (const shard of StreamDescription?.Shards ?? []) {
      const shardId = shard.ShardId ?? '';
      if (closed.has(shardId)) continue;
      let iterator = await iteratorFor(shard);
      while (iterator) {
        let page: GetRecordsCommandOutput;
        try {
          page = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
        } catch (error) {
          if (error instanceof ExpiredIteratorException || error instanceof TrimmedDataAccessException) {
            iterators.delete(shardId);
            iterator = await iteratorFor(shard);
            continue;
          }
          throw error;
        }
        const records = page.Records ?? [];
        if (records.length > 0) {
          await consumeRecords(records, { archive: options.archive });
          const last = records[records.length - 1]?.dynamodb?.SequenceNumber;
          if (last) {
            checkpoints.set(shardId, last);
            writeFileSync(options.checkpointFile, JSON.stringify(Object.fromEntries(checkpoints)));
          }
          read = true;
        }
        iterators.set(shardId, page.NextShardIterator);
        if (!page.NextShardIterator) closed.add(shardId);
        if (records.length === 0) break;
        iterator = page.NextShardIterator;
      }
    }
    return read;
  }

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const pass = () => {
    running = running.then(async () => {
      try {
        while ((await poll()) && !stopped) {
          // keep reading while there is a backlog
        }
      } catch (error) {
        log().error('access log stream poll failed', {
          error: error instanceof Error ? error.name : 'unknown',
        });
      }
    });
    return running;
  };
  const timer = setInterval(() => void pass(), options.intervalMs ?? 500);
  timer.unref();
  await pass();
  return {
    drain: () => pass(),
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await running;
      streams.destroy();
    },
  };
}
