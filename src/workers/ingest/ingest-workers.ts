import { UnrecoverableError, WaitingError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { IngestRequest } from '../../timelapse/ingest-request.ts';
import { SOURCES, type Source } from '../../timelapse/raw-objects.ts';
import { errorMessage, isRetriable } from '../../platform/errors.ts';
import type { KafkaProducer } from '../../platform/kafka/producer.ts';
import { Topics } from '../../timelapse/topics.ts';
import { closeAll, once, type Service } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import { createRedis, closeRedis } from '../../platform/redis.ts';
import type { DoneRecords } from './done-records.ts';
import { ingestionRun, type IngestSummaryLike } from '../../ingest/ingestion-run.ts';
import { ingestJobKey, ingestQueueName, IngestJobSchema } from './ingest-job.ts';


/** Told how a run went, failed runs included (what they did before the error). */
export type IngestSettled = (summary: IngestSummaryLike, error: unknown) => void;

export interface IngestWorkersOptions {
  redisUrl: string;
  prefix: string;
  concurrency: Record<Source, number>;
  /** Lock of a job on its worker, renewed while it runs; a dead worker's job is taken over after it. Default 30 s. */
  lockMs?: number;
  /** Runs one ingest request (the NASA budget is enforced inside, per HTTP request). */
  ingest: (request: IngestRequest, progress: (fraction: number) => void, settled: IngestSettled) => Promise<IngestSummaryLike>;
  done: DoneRecords;
  /** Dead letters after the last attempt; shared, not closed here. */
  producer: KafkaProducer;
  logger: Logger;
  /** Only these sources' workers run. Default: all. */
  sources?: readonly Source[];
  time?: <T>(stage: string, fn: () => Promise<T>) => Promise<T>;
  /**
   * Called first on close: stops the work in hand (the HTTP client's close() ends requests and
   * waits for the request budget), so shutdown does not wait up to an hour for a token.
   */
  interrupt?: () => Promise<void>;
}

/**
 * The consuming side of the ingest queues: one BullMQ worker per source with that source's
 * concurrency. Errors marked non-retriable fail the job at once; others are retried with
 * exponential backoff. After the last attempt the command goes to `dead-letter` (before the job
 * is marked failed, so the letter is never lost), and a success is recorded as done.
 */
export class IngestWorkers implements Service {
  readonly name = 'ingest-workers';
  private readonly workers: Worker[] = [];
  private readonly connections: Redis[] = [];
  private readonly logger: Logger;
  private counts = { completed: 0, failed: 0, deadLettered: 0, handedBack: 0 };
  private stopping = false;

  constructor(private readonly options: IngestWorkersOptions) {
    this.logger = options.logger.child({ module: 'ingest-workers' });
  }

  async start(): Promise<void> {
    for (const source of this.options.sources ?? SOURCES) {
      const connection = createRedis(this.options.redisUrl, { name: `mars-ingest-${source}`, logger: this.logger });
      this.connections.push(connection);
      const worker = new Worker(ingestQueueName(source), (job, token) => this.process(job, token), {
        connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency[source],
        // A job whose worker died is handed to another once its lock lapses.
        lockDuration: this.options.lockMs ?? 30_000,
        stalledInterval: this.options.lockMs ?? 30_000,
        maxStalledCount: 3,
      });
      worker.on('error', (error) => this.logger.warn({ source, error: errorMessage(error) }, 'ingest worker connection trouble'));
      worker.on('completed', () => this.counts.completed++);
      worker.on('failed', () => this.counts.failed++);
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
  }

  private async process(job: Job, token: string | undefined): Promise<unknown> {
    if (this.stopping) return this.handBack(job, token);
    const parsed = IngestJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ingest job: ${parsed.error.message}`);
    const { request, origin } = parsed.data;
    const attempts = job.opts.attempts ?? 1;
    const time = this.options.time ?? ((_stage, fn) => fn());
    // A job whose worker died after the work but before BullMQ heard of it comes back: do not redo it.
    const done = request.force ? null : await this.options.done.get(ingestJobKey(request));
    if (done) {
      this.logger.info({ jobId: job.id, request }, 'ingest job was already done');
      return done;
    }
    const startedAt = new Date().toISOString();
    let tally: IngestSummaryLike = { records: 0, requests: 0, objectKeys: [] };
    const settled: IngestSettled = (summary) => (tally = summary);
    try {
      const summary = await time(`ingest:${request.source}`, () =>
        this.options.ingest(request, (fraction) => void job.updateProgress(Math.round(fraction * 100)).catch(() => undefined), settled),
      );
      await this.reportRun(job, request, { ...tally, ...summary }, startedAt, null);
      await this.options.done.mark(ingestJobKey(request), { records: summary.records, requests: summary.requests, objects: summary.objectKeys.length });
      this.logger.info({ jobId: job.id, request, records: summary.records, objects: summary.objectKeys.length }, 'ingest job done');
      return { records: summary.records, requests: summary.requests, objectKeys: summary.objectKeys };
    } catch (error) {
      if (this.stopping) return this.handBack(job, token);
      const retriable = isRetriable(error);
      const last = !retriable || job.attemptsMade + 1 >= attempts;
      this.logger.warn({ jobId: job.id, request, attempt: job.attemptsMade + 1, attempts, retriable, error: errorMessage(error) }, 'ingest job failed');
      await this.reportRun(job, request, tally, startedAt, error);
      if (last) {
        await this.options.producer.publish(Topics.deadLetter, {
          reason: retriable ? 'retries-exhausted' : 'handler-failed',
          detail: retriable ? `${errorMessage(error)} (after ${job.attemptsMade + 1} attempts)` : errorMessage(error),
          topic: origin?.topic ?? Topics.ingestionScheduling.name,
          partition: origin?.partition ?? 0,
          offset: origin?.offset ?? '-1',
          key: job.id ?? null,
          value: JSON.stringify(request),
          consumer: `queue:${job.queueName}`,
          at: new Date().toISOString(),
        });
        this.counts.deadLettered++;
      }
      if (!retriable) throw new UnrecoverableError(errorMessage(error));
      throw error;
    }
  }

  /** Publishes how this attempt went on `ingestion-runs`, for the run history; never fails the job. */
  private async reportRun(job: Job, request: IngestRequest, summary: IngestSummaryLike, startedAt: string, error: unknown): Promise<void> {
    try {
      const run = ingestionRun({ runId: `${job.queueName}/${job.id}/${job.attemptsMade + 1}/${startedAt}`, request, attempt: job.attemptsMade + 1, summary, startedAt, error });
      await this.options.producer.publish(Topics.ingestionRuns, run, `${request.source}/${request.rover}`);
    } catch (publishError) {
      this.logger.warn({ jobId: job.id, error: errorMessage(publishError) }, 'ingest run could not be reported');
    }
  }

  /**
   * A job cut short by shutdown goes back to waiting as it was, no attempt spent, for this or
   * another process to run.
   */
  private async handBack(job: Job, token: string | undefined): Promise<never> {
    await job.moveToWait(token);
    this.counts.handedBack++;
    this.logger.info({ jobId: job.id }, 'ingest job handed back: shutting down');
    throw new WaitingError();
  }

  /**
   * Interrupts the jobs in hand (they go back to waiting) and stops the workers; a worker killed
   * instead hands its jobs back through the stalled-job check.
   */
  close = once(async () => {
    this.stopping = true;
    await this.options.interrupt?.();
    await closeAll([...this.workers.map((worker) => () => worker.close()), ...this.connections.map((connection) => () => closeRedis(connection))]);
  });

  /** False if a worker stopped on its own (not through close). */
  healthy(): boolean {
    return this.workers.every((worker) => worker.isRunning() || worker.closing !== undefined);
  }

  describe(): Record<string, unknown> {
    return { workers: this.workers.map((w) => w.name), ...this.counts };
  }
}
