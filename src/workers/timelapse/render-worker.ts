import { setTimeout as sleep } from 'node:timers/promises';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import { removeStaleRenderFolders } from '../../media/render-folder.ts';
import type { renderTimelapse } from '../../media/render-timelapse.ts';
import { RenderOptionsSchema, type RenderOptions } from '../../timelapse/render-options.ts';
import { SolIndex } from '../../ingest/sol-index.ts';
import type { Config } from '../../platform/config.ts';
import { errorMessage, formatIssues, isRetriable } from '../../platform/errors.ts';
import { once, type Service } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { ensureLineageSchema, LineageStore } from '../../warehouse/lineage/lineage-store.ts';
import { SelectionError, selectFrames } from '../../warehouse/selection/select-frames.ts';
import type { Warehouse } from '../../warehouse/warehouse.ts';
import { describeSols } from './command-handler.ts';
import { RENDER_QUEUE, RenderJobSchema, type RenderJob, type RenderJobInput } from './render-job.ts';
import { ProgressReporter } from './progress-reporter.ts';
import type { RequestLedger } from './request-ledger.ts';
import { RequestIdSchema, timelapseEvent, type TimelapseCommand, type TimelapseEvent } from '../../timelapse/schemas.ts';
import type { FramePool } from '../../media/frame-pool.ts';

const describeSolRange = (sols: number[]) => `${sols.length === 1 ? 'sol' : 'sols'} ${describeSols(sols)}`;

/** The media pipeline's entry point (tests may pass a wrapper). */
export type RenderFn = typeof renderTimelapse;

export interface RenderWorkerOptions {
  connection: Redis;
  prefix: string;
  render: RenderFn;
  store: ObjectStore;
  warehouse: Warehouse;
  config: Config;
  ledger: RequestLedger;
  publishEvent: (event: TimelapseEvent) => Promise<void>;
  videoUrl: (key: string) => Promise<string>;
  logger: Logger;
  /** The frame pool every render of this worker shares (its owner closes it). */
  pool?: FramePool;
  /** Renders at once in this process. Default 1: a render already keeps both cores busy. */
  concurrency?: number;
  /** How long a job's lock lasts without renewal: a killed worker's job is taken over after this. Default 30 s. */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for. Default 15 s. */
  stalledIntervalMs?: number;
  /** How often a job waiting for metadata looks again. Default 2 s. */
  metadataPollMs?: number;
}

/**
 * The BullMQ worker that renders timelapses. It waits for scheduled metadata when the job
 * carries no frames, drives the media pipeline, turns its progress into job progress and
 * `progress` events (at most one per stage per 5 %), and ends the request with `completed`
 * (object keys, a URL to watch) or, once no attempt is left or the failure cannot pass,
 * `failed` with the reason. A worker killed mid-job loses its lock; another takes the job
 * over, and the media pipeline's idempotency makes the rerun publish once.
 */
export class RenderWorker implements Service {
  readonly name = 'timelapse-render-worker';
  private readonly logger: Logger;
  private worker?: Worker<RenderJobInput>;
  private counts = { completed: 0, failed: 0 };
  private readonly lineageStore: LineageStore;

  constructor(private readonly options: RenderWorkerOptions) {
    this.logger = options.logger.child({ module: 'timelapse-render-worker' });
    this.lineageStore = new LineageStore(options.warehouse);
  }

  /** The lineage renders record into, its schema made once per warehouse. */
  private async lineage(): Promise<LineageStore> {
    await ensureLineageSchema(this.options.warehouse);
    return this.lineageStore;
  }

  async start(): Promise<void> {
    // A render killed mid-job (SIGKILL, OOM) left its scratch folder: frames and partial videos.
    const removed = await removeStaleRenderFolders();
    if (removed.length > 0) this.logger.info({ removed }, 'removed scratch folders of renders whose process is gone');
    this.worker = new Worker<RenderJobInput>(RENDER_QUEUE, (job) => this.process(job), {
      connection: this.options.connection,
      prefix: this.options.prefix,
      concurrency: this.options.concurrency ?? 1,
      lockDuration: this.options.lockDurationMs ?? 30_000,
      stalledInterval: this.options.stalledIntervalMs ?? 15_000,
      maxStalledCount: 2,
    });
    this.worker.on('error', (error) => this.logger.error({ err: error }, 'render worker error'));
    await this.worker.waitUntilReady();
  }

  private async process(job: Job<RenderJobInput>): Promise<void> {
    const parsed = RenderJobSchema.safeParse(job.data);
    if (!parsed.success) return this.refuse(job, `the render job does not match its schema: ${formatIssues(parsed.error.issues)}`);
    const data = parsed.data;
    const { command } = data;
    const requestId = command.requestId;
    const log = this.logger.child({ requestId, attempt: job.attemptsMade + 1 });
    try {
      const frames = data.frames ?? (await this.waitForMetadata(job, data));
      const options = renderOptionsOf(command);
      log.info({ frames: frames.length }, 'render started');
      const progress = new ProgressReporter(job, (stage, fraction) => this.publish({ requestId, status: 'progress', stage, fraction }));
      const result = await this.options.render(
        { requestId, rover: command.rover, camera: command.camera, solStart: command.solStart, solEnd: command.solEnd, frames, options },
        {
          store: this.options.store,
          lineage: await this.lineage(),
          config: this.options.config,
          logger: log,
          pool: this.options.pool,
          onProgress: (p) => progress.report(p.stage, p.fraction),
        },
      );
      await progress.flush();
      await this.options.ledger.set(requestId, {
        state: 'completed',
        keys: result.keys,
        framesAccepted: result.framesAccepted,
        framesRejected: result.framesRejected,
        durationSeconds: result.durationSeconds,
      });
      await this.publish({
        requestId,
        status: 'completed',
        keys: result.keys,
        url: await this.options.videoUrl(result.keys.video),
        framesAccepted: result.framesAccepted,
        framesRejected: result.framesRejected,
        durationSeconds: result.durationSeconds,
      });
      this.counts.completed++;
      log.info({ video: result.keys.video, accepted: result.framesAccepted, rejected: result.framesRejected }, 'render completed');
    } catch (error) {
      // Errors that cannot pass end the request now; others get the job's attempts.
      const retriable = isRetriable(error);
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (!retriable || lastAttempt) {
        const reason = errorMessage(error);
        await this.options.ledger.set(requestId, { state: 'failed', reason });
        await this.publish({ requestId, status: 'failed', reason });
        this.counts.failed++;
        log.warn({ reason }, 'render failed');
        throw error instanceof UnrecoverableError ? error : new UnrecoverableError(reason);
      }
      log.warn({ err: error }, 'render attempt failed; it will be retried');
      throw error;
    }
  }

  /**
   * Ends a job no attempt could render (any producer may add to the queue): no retries, and when
   * its id is a request id, that request is recorded and announced as failed like any other.
   */
  private async refuse(job: Job, reason: string): Promise<never> {
    this.logger.error({ jobId: job.id, reason }, 'render job refused');
    const requestId = RequestIdSchema.safeParse(job.id);
    if (requestId.success) {
      await this.options.ledger.set(requestId.data, { state: 'failed', reason });
      await this.publish({ requestId: requestId.data, status: 'failed', reason });
    }
    this.counts.failed++;
    throw new UnrecoverableError(reason);
  }

  /** Polls until the scheduled sols have raw objects and the warehouse gives frames, or the deadline passes. */
  private async waitForMetadata(job: Job<RenderJobInput>, data: RenderJob): Promise<FrameCandidate[]> {
    const { command, missingSols } = data;
    const deadline = Date.parse(data.metadataDeadline);
    const pollMs = this.options.metadataPollMs ?? 2000;
    for (;;) {
      const ingested = await new SolIndex(this.options.store).ingestedFromAny(command.rover, Math.min(...missingSols), Math.max(...missingSols));
      const remaining = missingSols.filter((sol) => !ingested.has(sol));
      let reason: string;
      if (remaining.length === 0) {
        try {
          return await selectFrames(this.options.warehouse, command);
        } catch (error) {
          if (!(error instanceof SelectionError)) throw error;
          // The raw objects are there; the warehouse may not have loaded and modelled them yet.
          reason = error.message;
        }
      } else {
        const waited = Math.round((deadline - job.timestamp) / 1000);
        reason = `metadata for ${describeSolRange(remaining)} of ${command.rover} did not arrive within ${waited} s (its ingestion was scheduled)`;
      }
      await job.updateProgress({ stage: 'ingest', fraction: (missingSols.length - remaining.length) / Math.max(1, missingSols.length) });
      if (Date.now() >= deadline) throw new UnrecoverableError(reason);
      await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())));
    }
  }

  private publish(event: Parameters<typeof timelapseEvent>[0]): Promise<void> {
    return this.options.publishEvent(timelapseEvent(event));
  }

  close = once(async () => {
    await this.worker?.close();
  });

  describe(): Record<string, unknown> {
    return { queue: RENDER_QUEUE, running: this.worker?.isRunning() ?? false, ...this.counts };
  }
}

/** The media pipeline's options from a command: only what the command sets, defaults for the rest. */
export function renderOptionsOf(command: TimelapseCommand): RenderOptions {
  return RenderOptionsSchema.parse({
    fps: command.fps,
    width: command.width,
    height: command.height,
    fit: command.fit,
    format: command.format,
    levelBrightness: command.levelBrightness,
    caption: command.caption,
    stabilise: command.stabilise,
    mode: command.mode,
    layout: command.layout,
    motionWindow: command.motionWindow,
    quality: command.thresholds,
  });
}

