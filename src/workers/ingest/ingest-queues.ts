import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IngestRequest } from '../../timelapse/ingest-request.ts';
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
  logger: Logger;
}

/** `queued` also covers a job with the same id that was already waiting: BullMQ keeps one. */
export type EnqueueOutcome = { status: 'queued' | 'already-done'; jobId: string; queue: string };

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

  /** Resolves once the job is stored in Redis (or known to be queued or done already). */
  async enqueue(request: IngestRequest, origin: Origin | null): Promise<EnqueueOutcome> {
    const key = ingestJobKey(request);
    // A forced command without a requestId means "run again": each message is its own job, and
    // only a redelivery of that same message collapses onto it.
    const jobId = request.force && !request.requestId && origin ? forcedJobId(key, origin) : key;
    const queue = this.queues.get(request.source)!;
    if (!request.force && (await this.options.done.get(key))) {
      this.logger.info({ jobId, request }, 'command already done: not queued again');
      return { status: 'already-done', jobId, queue: queue.name };
    }
    const data: IngestJob = { request, origin };
    await queue.add('ingest', data, {
      jobId,
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: this.options.backoffMs },
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    this.logger.info({ jobId, queue: queue.name, request }, 'ingest job queued');
    return { status: 'queued', jobId, queue: queue.name };
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
