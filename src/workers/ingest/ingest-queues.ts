import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IngestRequest } from '../../timelapse/ingest-request.ts';
import { checkSolRange, planSolBatches } from '../../ingest/planner.ts';
import { SOURCES, type Source } from '../../timelapse/raw-objects.ts';
import { errorMessage } from '../../platform/errors.ts';
import { closeAll, once, type Service } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { JobCountSource } from '../metrics.ts';
import type { DoneRecords } from './done-records.ts';
import { ingestJobKey, ingestQueueName, type IngestJob, type Origin } from './ingest-job.ts';

function forcedJobId(key: string, origin: Origin): string {
  return createHash('sha256').update(`${key}/${origin.topic}/${origin.partition}/${origin.offset}`).digest('hex').slice(0, 32);
}

export interface IngestQueuesOptions {
  /** Shared connection; not closed here. */
  connection: Redis;
  prefix: string;
  done: DoneRecords;
  attempts: number;
  backoffMs: number;
  /** Sols per queued job: a longer photos/feed command becomes one job per batch. Default 10. */
  batchSols?: number;
  /** Most sols one command may cover (INGEST_MAX_SOLS); a longer one is refused. Default 500. */
  maxSols?: number;
  logger: Logger;
}

/** BullMQ runs lower numbers first; interactive jobs go before any queued backfill. */
const PRIORITY = { interactive: 1, backfill: 100 } as const;

/**
 * A photos or feed command cut into batches of `batchSols`, each its own job: a long command
 * then holds a worker for one batch at a time, and an interactive job queued meanwhile runs next.
 * A batch of a command with a requestId gets `<requestId>/<solStart>-<solEnd>`.
 */
function jobRequests(request: IngestRequest, batchSols: number): IngestRequest[] {
  if (request.solStart === undefined) return [request];
  const batches = planSolBatches(request.solStart, request.solEnd ?? request.solStart, batchSols);
  if (batches.length === 1) return [request];
  return batches.map((batch) => ({
    ...request,
    ...batch,
    ...(request.requestId ? { requestId: `${request.requestId}/${batch.solStart}-${batch.solEnd}` } : {}),
  }));
}

/**
 * `queued` when any job of the command was queued (or was already waiting: BullMQ keeps one per
 * id); `already-done` when every one was done before.
 */
export type EnqueueOutcome = { status: 'queued' | 'already-done'; jobIds: string[]; queue: string };

/** The producing side of the ingest queues: turns commands into BullMQ jobs, once each. */
export class IngestQueues implements Service {
  readonly name = 'ingest-queues';
  private readonly queues = new Map<Source, Queue>();
  private readonly logger: Logger;

  constructor(private readonly options: IngestQueuesOptions) {
    this.logger = options.logger.child({ module: 'ingest-queues' });
    for (const source of SOURCES) {
      const queue = new Queue(ingestQueueName(source), { connection: options.connection, prefix: options.prefix });
      queue.on('error', (error) => this.logger.warn({ queue: queue.name, error: errorMessage(error) }, 'ingest queue connection trouble'));
      this.queues.set(source, queue);
    }
  }

  async start(): Promise<void> {}

  /**
   * Resolves once the command's jobs are stored in Redis (or known to be queued or done already).
   * Throws a ValidationError for a sol range over the cap.
   */
  async enqueue(request: IngestRequest, origin: Origin | null): Promise<EnqueueOutcome> {
    checkSolRange(request, this.options.maxSols ?? 500);
    const queue = this.queues.get(request.source)!;
    const jobIds: string[] = [];
    let queued = false;
    for (const part of jobRequests(request, this.options.batchSols ?? 10)) {
      const key = ingestJobKey(part);
      // A forced command without a requestId means "run again": each message is its own job, and
      // only a redelivery of that same message collapses onto it.
      const jobId = part.force && !part.requestId && origin ? forcedJobId(key, origin) : key;
      jobIds.push(jobId);
      if (!part.force && (await this.options.done.get(key))) {
        this.logger.info({ jobId, request: part }, 'command already done: not queued again');
        continue;
      }
      const data: IngestJob = { request: part, origin };
      // A job that failed for good stays in Redis for a week under its id, and BullMQ would take a
      // new add as that old job: a command sent again (a replayed dead letter) gets a fresh job.
      const previous = await queue.getJob(jobId);
      if (previous && (await previous.isFailed())) await previous.remove();
      await queue.add('ingest', data, {
        jobId,
        priority: PRIORITY[part.priority ?? 'interactive'],
        attempts: this.options.attempts,
        backoff: { type: 'exponential', delay: this.options.backoffMs },
        removeOnComplete: { age: 3600, count: 1000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
      queued = true;
      this.logger.info({ jobId, queue: queue.name, request: part }, 'ingest job queued');
    }
    return { status: queued ? 'queued' : 'already-done', jobIds, queue: queue.name };
  }

  jobCountSources(): JobCountSource[] {
    return [...this.queues.values()].map((queue) => ({
      name: queue.name,
      counts: () => queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children'),
    }));
  }

  close = once(async () => {
    await closeAll([...this.queues.values()].map((queue) => () => queue.close()));
  });

  describe(): Record<string, unknown> {
    return { queues: [...this.queues.values()].map((q) => q.name), prefix: this.options.prefix };
  }
}
