import type { Queue } from 'bullmq';
import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import { batchSols } from '../../ingest/planner.ts';
import { SolIndex } from '../../ingest/sol-index.ts';
import { SourceNotConfiguredError, type PhotoSource } from '../../ingest/source-routing.ts';
import type { Rover } from '../../timelapse/raw-objects.ts';
import type { IngestionCommand } from '../../timelapse/topics.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { LineageStore } from '../../warehouse/lineage/lineage-store.ts';
import { SelectionError, selectFrames } from '../../warehouse/selection/select-frames.ts';
import { lowerKeys, type Warehouse } from '../../warehouse/warehouse.ts';
import { RENDER_JOB_DEFAULTS, RenderJobSchema, type RenderJobInput } from './render-job.ts';
import type { LedgerRecord, RequestLedger } from './request-ledger.ts';
import {
  MAX_SOL_SPAN,
  TimelapseCommandSchema,
  timelapseEvent,
  type DistributiveOmit,
  type TimelapseCommand,
  type TimelapseCommandMessage,
  type TimelapseEvent,
} from '../../timelapse/schemas.ts';

export interface CommandHandlerDeps {
  warehouse: Warehouse;
  store: ObjectStore;
  ledger: RequestLedger;
  /** The render queue; shared, not closed by the handler. */
  queue: Queue<RenderJobInput>;
  publishEvent: (event: TimelapseEvent) => Promise<void>;
  /** Publishes to `ingestion-scheduling`. */
  scheduleIngestion: (command: IngestionCommand) => Promise<void>;
  /**
   * The sources that serve a rover's photo metadata, in order (`requirePhotoRoutes` of the
   * configuration); throws a SourceNotConfiguredError naming the variable when none does.
   */
  photoSources: (rover: Rover) => PhotoSource[];
  /** A presigned (or otherwise watchable) URL for a published video key. */
  videoUrl: (key: string) => Promise<string>;
  logger: Logger;
  /** How long a render waits for scheduled metadata to land. Default 10 minutes. */
  metadataTimeoutMs?: number;
  /** Sols per scheduled ingestion command. Default 10. */
  ingestBatchSols?: number;
  now?: () => Date;
}

/**
 * Handles one `timelapse-commands` message (the consumer has validated it). Idempotent by
 * request id (the Redis ledger; MARS_LINEAGE when Redis has lost it): a repeat answers with what is known (the completed result with a fresh URL, the
 * failure, or "accepted") and renders nothing. A new request is answered `accepted`, its frames
 * are resolved from the warehouse (unknown camera or empty range: `failed` with the reason),
 * and one render job is enqueued. Sols never ingested are scheduled for ingestion, and the job
 * carries the wait for them.
 */
export class TimelapseCommandHandler {
  private readonly logger: Logger;
  private readonly now: () => Date;
  private readonly lineage: LineageStore;

  constructor(private readonly deps: CommandHandlerDeps) {
    this.logger = deps.logger.child({ module: 'timelapse-command-handler' });
    this.lineage = new LineageStore(deps.warehouse);
    this.now = deps.now ?? (() => new Date());
  }

  readonly handle = async (message: TimelapseCommandMessage): Promise<void> => {
    const { requestId } = message;
    const record = (await this.deps.ledger.get(requestId)) ?? (await this.restoreFromLineage(requestId));
    if (record && record.state !== 'resolving') {
      this.logger.info({ requestId, state: record.state }, 'repeated request: answering with what is known');
      await this.answerRepeat(requestId, record);
      return;
    }
    // `resolving` left behind means an earlier delivery died before enqueuing: carry on from here.
    if (!record && !(await this.deps.ledger.claim(requestId, this.now()))) {
      const current = await this.deps.ledger.get(requestId);
      if (current) await this.answerRepeat(requestId, current);
      return;
    }

    const command = await this.withSols(message);
    if (typeof command === 'string') {
      await this.fail(requestId, command);
      return;
    }
    const missingSols = await this.missingSols(command.rover, command.solStart, command.solEnd);
    let frames: FrameCandidate[] | null = null;
    if (missingSols.length === 0) {
      try {
        frames = await selectFrames(this.deps.warehouse, command);
      } catch (error) {
        if (error instanceof SelectionError) {
          await this.fail(requestId, error.message);
          return;
        }
        throw error;
      }
      await this.publish({ requestId, status: 'accepted', frames: frames.length });
    } else {
      let sources: PhotoSource[];
      try {
        sources = this.deps.photoSources(command.rover);
      } catch (error) {
        if (error instanceof SourceNotConfiguredError) {
          await this.fail(requestId, `sols ${describeSols(missingSols)} of ${command.rover} were never ingested and no source can fetch them: ${error.message}`);
          return;
        }
        throw error;
      }
      await this.publish({ requestId, status: 'accepted' });
      // Every configured source, feeds first: the warehouse keeps one row per exposure either way.
      for (const source of sources) {
        for (const batch of batchSols(missingSols, this.deps.ingestBatchSols ?? 10)) {
          await this.deps.scheduleIngestion({
            source,
            rover: command.rover,
            solStart: batch.solStart,
            solEnd: batch.solEnd,
            requestId: `${requestId}:${source}:${batch.solStart}-${batch.solEnd}`,
          });
        }
      }
      this.logger.info({ requestId, missingSols }, 'metadata missing: ingestion scheduled');
      await this.publish({ requestId, status: 'progress', stage: 'ingest', fraction: 0, message: `waiting for sols ${describeSols(missingSols)} to be ingested` });
    }

    const job = RenderJobSchema.parse({
      command,
      frames,
      missingSols,
      metadataDeadline: new Date(this.now().getTime() + (this.deps.metadataTimeoutMs ?? 600_000)).toISOString(),
    });
    // jobId = request id: a second enqueue of a job still in Redis is a no-op.
    await this.deps.queue.add('render', job, { ...RENDER_JOB_DEFAULTS, jobId: requestId });
    await this.deps.ledger.set(requestId, { state: 'queued', frames: frames?.length ?? null }, this.now());
    if (frames) await this.publish({ requestId, status: 'progress', stage: 'queued', fraction: 0 });
  };

  /**
   * The final outcome MARS_LINEAGE holds for a request the ledger does not know (Redis lost its
   * data), written back to the ledger: the warehouse is the durable record of what was rendered.
   * A completed run counts only while its video exists; a run still `running` is not final.
   */
  private async restoreFromLineage(requestId: string): Promise<LedgerRecord | null> {
    const run = await this.lineage.getRun(requestId);
    let record: DistributiveOmit<LedgerRecord, 'at'> | null = null;
    if (run?.status === 'failed') record = { state: 'failed', reason: run.error ?? 'failed' };
    if (run?.status === 'completed' && run.videoKey && run.posterKey && run.contactKey && run.manifestKey && (await this.deps.store.exists(run.videoKey))) {
      const accepted = run.framesAccepted ?? 0;
      record = {
        state: 'completed',
        keys: {
          video: run.videoKey,
          poster: run.posterKey,
          contact: run.contactKey,
          manifest: run.manifestKey,
          ...(run.stabilisedVideoKey ? { stabilised: run.stabilisedVideoKey } : {}),
          ...(run.motionVideoKey ? { motion: run.motionVideoKey } : {}),
        },
        framesAccepted: accepted,
        framesRejected: run.framesTotal - accepted,
        durationSeconds: run.durationSeconds ?? 0,
      };
    }
    if (!record) return null;
    this.logger.info({ requestId, state: record.state }, 'request unknown to the ledger but recorded in the lineage: restoring it');
    await this.deps.ledger.set(requestId, record, this.now());
    return (await this.deps.ledger.get(requestId))!;
  }

  /**
   * The command with its sols: as sent, or, for a sequence asked for without sols, the sols
   * MARS_GOLD.TIMELAPSE_CANDIDATES lists it on. A string is the reason it has none.
   */
  private async withSols(message: TimelapseCommandMessage): Promise<TimelapseCommand | string> {
    if (message.solStart !== undefined && message.solEnd !== undefined) return TimelapseCommandSchema.parse(message);
    const [row] = await this.deps.warehouse.query(
      `SELECT MIN(sol_start) AS sol_start, MAX(sol_end) AS sol_end FROM MARS_GOLD.TIMELAPSE_CANDIDATES
        WHERE kind = 'sequence' AND rover_name = ? AND UPPER(sequence_id) = ?`,
      [message.rover, message.sequenceId],
    );
    const sols = row ? lowerKeys(row) : {};
    if (sols.sol_start === null || sols.sol_start === undefined) {
      return `sequence ${message.sequenceId} of ${message.rover} is not in the warehouse (MARS_GOLD.TIMELAPSE_CANDIDATES); give solStart and solEnd to have those sols ingested`;
    }
    const solEnd = Number(sols.sol_end);
    // A sequence id that recurs over a longer span keeps its latest sols.
    const solStart = Math.max(Number(sols.sol_start), solEnd - MAX_SOL_SPAN + 1);
    return TimelapseCommandSchema.parse({ ...message, solStart, solEnd });
  }

  /** Sols of the range with no raw photo or feed object (the sol index): never ingested. */
  private async missingSols(rover: Rover, solStart: number, solEnd: number): Promise<number[]> {
    const ingested = await new SolIndex(this.deps.store).ingestedFromAny(rover, solStart, solEnd);
    const missing: number[] = [];
    for (let sol = solStart; sol <= solEnd; sol++) if (!ingested.has(sol)) missing.push(sol);
    return missing;
  }

  private async answerRepeat(requestId: string, record: LedgerRecord): Promise<void> {
    switch (record.state) {
      case 'completed':
        await this.publish({
          requestId,
          status: 'completed',
          keys: record.keys,
          url: await this.deps.videoUrl(record.keys.video),
          framesAccepted: record.framesAccepted,
          framesRejected: record.framesRejected,
          durationSeconds: record.durationSeconds,
          repeat: true,
        });
        return;
      case 'failed':
        await this.publish({ requestId, status: 'failed', reason: record.reason, repeat: true });
        return;
      case 'queued':
        await this.publish({ requestId, status: 'accepted', repeat: true, ...(record.frames !== null ? { frames: record.frames } : {}) });
        return;
      case 'resolving':
        await this.publish({ requestId, status: 'accepted', repeat: true });
        return;
    }
  }

  private async fail(requestId: string, reason: string): Promise<void> {
    this.logger.info({ requestId, reason }, 'timelapse request failed');
    await this.deps.ledger.set(requestId, { state: 'failed', reason }, this.now());
    await this.publish({ requestId, status: 'failed', reason });
  }

  private publish(event: Parameters<typeof timelapseEvent>[0]): Promise<void> {
    return this.deps.publishEvent(timelapseEvent(event, this.now));
  }
}

/** 3, 4, 5, 9 -> "3-5, 9" */
export function describeSols(sols: number[]): string {
  return batchSols(sols, Number.MAX_SAFE_INTEGER)
    .map((b) => (b.solStart === b.solEnd ? String(b.solStart) : `${b.solStart}-${b.solEnd}`))
    .join(', ');
}
