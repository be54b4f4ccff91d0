import { planSolBatches } from '../../ingest/planner.ts';
import { photoRoutes } from '../../ingest/source-routing.ts';
import { TopicConsumer } from '../../platform/kafka/consumer.ts';
import { Topics } from '../../timelapse/topics.ts';
import { ensureOpsSchema, OpsStore } from '../../warehouse/ops/ops-store.ts';
import { replayDeadLetter } from '../../warehouse/ops/replay-dead-letter.ts';
import { createPipelinePage } from '../../web/pipeline.ts';
import { WarehousePipelineData } from '../../web/pipeline-data.ts';
import type { RoleDefinition } from '../role.ts';

/**
 * `ops`: keeps the pipeline's history in MARS_OPS (every dead letter, every ingest run the
 * workers report) and serves `/pipeline` with its replay and backfill buttons. It holds the
 * warehouse, so it runs beside the loader and the models.
 */
export const opsRole: RoleDefinition = {
  name: 'ops',
  description: 'record dead letters and ingest runs in MARS_OPS; the /pipeline page, dead-letter replays and backfill batches',
  async create(ctx) {
    const warehouse = await ctx.runtime.warehouse();
    await ensureOpsSchema(warehouse);
    const ops = new OpsStore(warehouse);
    const common = { kafka: ctx.kafka, producer: ctx.producer, logger: ctx.logger, observer: ctx.metrics, sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs };
    const letters = new TopicConsumer({
      ...common,
      groupId: ctx.groupId('ops-dead-letters'),
      topic: Topics.deadLetter,
      // A letter is known by where it sits on the dead-letter topic.
      handler: (letter, meta) => ops.recordDeadLetter(`${meta.topic}/${meta.partition}/${meta.offset}`, letter),
      deadLetterFailures: false,
    });
    const runs = new TopicConsumer({ ...common, groupId: ctx.groupId('ops-ingestion-runs'), topic: Topics.ingestionRuns, handler: (run) => ops.recordIngestRun(run) });
    ctx.http.mount(
      createPipelinePage({
        data: new WarehousePipelineData(warehouse),
        replay: (letterId, by) => replayDeadLetter({ ops, send: (topic, value, key) => ctx.producer.sendRaw(topic, value, key ?? undefined) }, letterId, by),
        scheduleBackfill: async (gap) => {
          const source = photoRoutes(ctx.config, gap.rover)[0]?.source;
          if (!source) return null;
          const [batch] = planSolBatches(gap.solStart, gap.solEnd, ctx.config.ingest.batchSols);
          const request = { source, rover: gap.rover, solStart: batch!.solStart, solEnd: batch!.solEnd, force: true, priority: 'backfill' as const };
          await ctx.producer.publish(Topics.ingestionScheduling, request, `${request.source}/${request.rover}`);
          return `${request.source} for ${request.rover} sols ${request.solStart}-${request.solEnd}`;
        },
        logger: ctx.logger,
      }),
    );
    return [letters, runs];
  },
};
