import { createHash } from 'node:crypto';
import { z } from 'zod';
import { IngestRequestSchema, type IngestRequest } from '../../timelapse/ingest-request.ts';
import type { Source } from '../../timelapse/raw-objects.ts';

/** Where a job came from, so its dead letter can point at the original message. */
export const OriginSchema = z.object({ topic: z.string(), partition: z.number().int(), offset: z.string() });
export type Origin = z.infer<typeof OriginSchema>;

export const IngestJobSchema = z.object({ request: IngestRequestSchema, origin: OriginSchema.nullable() });
export type IngestJob = z.infer<typeof IngestJobSchema>;

/** One queue per source: each gets its own worker concurrency, and sources run side by side. */
export function ingestQueueName(source: Source): string {
  return `ingest-${source}`;
}

/**
 * The idempotency key of a command: its requestId when it has one, else its content. Used as
 * the BullMQ job id (dedupe while the job is kept) and as the key of our own done-record
 * (dedupe after BullMQ has dropped the job).
 */
export function ingestJobKey(request: IngestRequest): string {
  const identity = request.requestId
    ? { requestId: request.requestId }
    : {
        source: request.source,
        rover: request.rover,
        solStart: request.solStart ?? null,
        solEnd: request.solEnd ?? request.solStart ?? null,
        force: request.force ?? false,
      };
  return createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 32);
}
