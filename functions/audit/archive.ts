import * as z from 'zod/mini';
import { s3Archive, s3Client } from '../../shared/audit/archive.ts';
import { consumeRecords } from '../../shared/audit/stream.ts';
import { config } from '../../shared/config.ts';

const StreamEvent = z.object({ Records: z.array(z.unknown()) });

/**
 * Job archiveAuditLog (the access log's DynamoDB stream, new and old images) · archives
 * every item write-once into the Object Lock bucket and alarms on changes and early removals.
 * A failure throws: the event source retries the batch (archiving is idempotent).
 */
export const handler = async (event: unknown): Promise<{ archived: number; tampering: number }> => {
  const { AUDIT_ARCHIVE_BUCKET, AWS_REGION } = config();
  if (!AUDIT_ARCHIVE_BUCKET) throw new Error('AUDIT_ARCHIVE_BUCKET is not configured');
  const { Records } = StreamEvent.parse(event);
  return consumeRecords(Records, { archive: s3Archive(AUDIT_ARCHIVE_BUCKET, s3Client(AWS_REGION)) });
};
