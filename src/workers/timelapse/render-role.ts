import { coreShare } from '../../media/core-share.ts';
import { WorkerFramePool } from '../../media/frame-pool.ts';
import { renderTimelapse } from '../../media/render-timelapse.ts';
import type { RoleDefinition } from '../role.ts';
import { ensureLineageSchema } from '../../warehouse/lineage/lineage-store.ts';
import { RenderWorker } from './render-worker.ts';
import { RequestLedger } from './request-ledger.ts';
import { eventPublisher, presignedVideoUrl } from './roles.ts';

/** BullMQ render jobs → the media pipeline → `timelapse-events`. */
export const timelapseRenderRole: RoleDefinition = {
  name: 'timelapse-render',
  description: 'render timelapse jobs (BullMQ): frames → MP4, poster, contact sheet, manifest and lineage; progress on timelapse-events',
  async create(ctx) {
    const store = await ctx.runtime.objectStore();
    const warehouse = await ctx.runtime.warehouse();
    await ensureLineageSchema(warehouse);
    const redis = ctx.runtime.redis();
    // One pool for every render of this process: starting worker threads costs about a second.
    // It leaves ffmpeg its share of the cores.
    const pool = new WorkerFramePool({ threads: coreShare().poolThreads });
    return [
      pool,
      new RenderWorker({
        connection: redis,
        prefix: ctx.config.queues.prefix,
        render: renderTimelapse,
        store,
        warehouse,
        config: ctx.config,
        ledger: new RequestLedger(redis, { prefix: ctx.config.queues.prefix }),
        publishEvent: eventPublisher(ctx.producer),
        videoUrl: presignedVideoUrl(store),
        logger: ctx.logger,
        pool,
        // QUEUE_LOCK_MS: how soon a dead worker's render is taken over, as for ingest jobs; lapsed
        // locks are looked for twice per lock time.
        lockDurationMs: ctx.config.queues.lockMs,
        stalledIntervalMs: Math.max(1000, Math.round(ctx.config.queues.lockMs / 2)),
      }),
    ];
  },
};
