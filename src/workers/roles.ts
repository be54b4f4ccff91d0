import { runIngest } from '../ingest/run-ingest.ts';
import { S3EventForwarder } from '../platform/events/s3-event-forwarder.ts';
import { TopicConsumer, type MessageMeta } from '../platform/kafka/consumer.ts';
import { Topics, type TopicDefinition } from '../timelapse/topics.ts';
import type { Service } from '../platform/lifecycle.ts';
import { buildWarehouse, type BuildSummary } from '../warehouse/build-warehouse.ts';
import { loadRawObject } from '../warehouse/loader.ts';
import { apiGuard } from '../http/api-guard.ts';
import { sameSiteGuard } from '../http/same-site-guard.ts';
import { mountQueryRoutes } from './api/query-routes.ts';
import { QueryRunner } from './api/query-runner.ts';
import { DoneRecords } from './ingest/done-records.ts';
import { IngestQueues } from './ingest/ingest-queues.ts';
import { IngestWorkers } from './ingest/ingest-workers.ts';
import { nasaHttpClient } from './ingest/nasa-http-client.ts';
import { loadOnEvent } from './loader/load-on-event.ts';
import { CoalescingRunner } from './models/coalescing-runner.ts';
import { photoRoutes } from '../ingest/source-routing.ts';
import { planNextBatches } from './models/plan-next-batches.ts';
import type { RoleContext, RoleDefinition } from './role.ts';
import { timelapseRenderRole } from './timelapse/render-role.ts';
import { galleryRole, timelapseCommandsRole } from './timelapse/roles.ts';
import { opsRole } from './ops/ops-role.ts';

/** A consumer of one of our topics, wired to the service's producer, metrics and settings. */
function consumer<T>(ctx: RoleContext, role: string, topic: TopicDefinition<T>, handler: (value: T, meta: MessageMeta) => Promise<void>): TopicConsumer<T> {
  return new TopicConsumer<T>({
    kafka: ctx.kafka,
    groupId: ctx.groupId(role),
    topic,
    handler,
    producer: ctx.producer,
    logger: ctx.logger,
    observer: ctx.metrics,
    attempts: ctx.config.kafka.handlerAttempts,
    sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
  });
}

/** The few numbers of a build worth a log line and an API answer. */
function buildBrief(summary: BuildSummary): Record<string, unknown> {
  return { ok: summary.ok, loaded: summary.load.loaded, models: summary.models.length, testsFailed: summary.testsFailed, ms: Math.round(summary.ms) };
}

/** Forwards the embedded object store's events to `minio-events` (MinIO does this itself). */
export const s3EventsRole: RoleDefinition = {
  name: 's3-events',
  description: 'publish object-created events of the embedded object store to minio-events',
  async create(ctx) {
    await ctx.runtime.objectStore();
    const embedded = ctx.runtime.embeddedObjectStore;
    if (!embedded) {
      ctx.logger.info('S3_ENDPOINT is set: the object store publishes its own events (MinIO Kafka target)');
      return [];
    }
    return [new S3EventForwarder({ source: embedded, producer: ctx.producer, logger: ctx.logger })];
  },
};

/** minio-events → Bronze → warehouse-load-complete. */
export const loaderRole: RoleDefinition = {
  name: 'loader',
  description: 'load raw objects into MARS_BRONZE on minio-events, then publish warehouse-load-complete',
  async create(ctx) {
    const [store, warehouse] = await Promise.all([ctx.runtime.objectStore(), ctx.runtime.warehouse()]);
    const handler = loadOnEvent({
      store,
      producer: ctx.producer,
      logger: ctx.logger,
      time: (stage, fn) => ctx.metrics.time(stage, fn),
      load: (request) => loadRawObject({ warehouse, store, logger: ctx.logger }, request),
    });
    return [consumer(ctx, 'loader', Topics.minioEvents, handler)];
  },
};

/** warehouse-load-complete → (coalesced) Silver + Gold + data tests → planner → ingestion-scheduling. */
export const modelsRole: RoleDefinition = {
  name: 'models',
  description: 'build MARS_SILVER and MARS_GOLD and run the data tests after loads (bursts coalesced), then plan the next batches',
  async create(ctx) {
    const [store, warehouse] = await Promise.all([ctx.runtime.objectStore(), ctx.runtime.warehouse()]);
    const logger = ctx.logger.child({ module: 'model-runner' });
    const runner = new CoalescingRunner<BuildSummary>({
      name: 'model-runner',
      delayMs: ctx.config.models.debounceMs,
      logger,
      run: () => ctx.metrics.time('build', () => buildWarehouse({ warehouse, store, logger })),
      onResult: async (summary) => {
        logger.info(buildBrief(summary), 'warehouse built');
        const next = await planNextBatches(warehouse, {
          windowSols: ctx.config.models.plannerWindowSols,
          maxBatches: ctx.config.models.plannerMaxBatches,
          sourceFor: (rover) => photoRoutes(ctx.config, rover)[0]?.source,
        });
        for (const request of next) await ctx.producer.publish(Topics.ingestionScheduling, request, `${request.source}/${request.rover}`);
        if (next.length > 0) logger.info({ batches: next }, 'planner scheduled ingestion for gaps');
      },
    });
    const start: Service = {
      name: 'model-catch-up',
      // One build on start picks up whatever loads a previous process announced but did not build.
      start: async () => runner.request(),
      close: async () => undefined,
      describe: () => ({}),
    };
    return [runner, consumer(ctx, 'models', Topics.warehouseLoadComplete, async () => runner.request()), start];
  },
};

/** ingestion-scheduling → BullMQ ingest jobs (once each). */
export const schedulerRole: RoleDefinition = {
  name: 'scheduler',
  description: 'turn ingestion-scheduling commands into BullMQ ingest jobs',
  async create(ctx) {
    const redis = ctx.runtime.redis();
    const queues = new IngestQueues({
      connection: redis,
      prefix: ctx.config.queues.prefix,
      done: new DoneRecords(redis, ctx.config.queues.prefix, ctx.config.queues.dedupeSeconds),
      attempts: ctx.config.queues.ingestAttempts,
      backoffMs: ctx.config.queues.ingestBackoffMs,
      batchSols: ctx.config.ingest.batchSols,
      maxSols: ctx.config.ingest.maxSols,
      logger: ctx.logger,
    });
    for (const source of queues.jobCountSources()) ctx.metrics.addJobSource(source);
    return [
      queues,
      consumer(ctx, 'scheduler', Topics.ingestionScheduling, async (request, meta) => {
        await queues.enqueue(request, { topic: meta.topic, partition: meta.partition, offset: meta.offset });
      }),
    ];
  },
};

/** BullMQ ingest workers: NASA → raw objects, under the global request budget. */
export const ingestRole: RoleDefinition = {
  name: 'ingest',
  description: 'run ingest jobs (per-source concurrency, global NASA rate limit, retries, dead letters)',
  async create(ctx) {
    const store = await ctx.runtime.objectStore();
    const redis = ctx.runtime.redis();
    const { config } = ctx;
    const http = nasaHttpClient(config, redis, ctx.logger);
    const workers = new IngestWorkers({
      redisUrl: config.redisUrl,
      prefix: config.queues.prefix,
      concurrency: config.queues.ingestConcurrency,
      lockMs: config.queues.lockMs,
      done: new DoneRecords(redis, config.queues.prefix, config.queues.dedupeSeconds),
      producer: ctx.producer,
      logger: ctx.logger,
      time: (stage, fn) => ctx.metrics.time(stage, fn),
      interrupt: () => http.close(),
      ingest: (request, progress, settled) =>
        runIngest(request, {
          config,
          store,
          http,
          logger: ctx.logger,
          onProgress: (p) => progress(p.total > 0 ? p.done / p.total : 0),
          onSettled: settled,
        }),
    });
    const client: Service = { name: 'nasa-http-client', start: async () => undefined, close: () => http.close(), describe: () => ({}) };
    return [client, workers];
  },
};

/** POST /api/query and /api/warehouse/build for the other `mars` commands. */
export const queryApiRole: RoleDefinition = {
  name: 'query-api',
  description: 'answer read-only warehouse queries and builds over HTTP for other mars commands',
  async create(ctx) {
    const [store, warehouse] = await Promise.all([ctx.runtime.objectStore(), ctx.runtime.warehouse()]);
    const queries = new QueryRunner({ warehouse, timeoutMs: ctx.config.api.queryTimeoutMs });
    mountQueryRoutes(ctx.http, {
      queries,
      build: async () => buildBrief(await buildWarehouse({ warehouse, store, logger: ctx.logger })),
      guard: apiGuard({ host: ctx.config.httpHost, token: ctx.config.serviceApiToken }),
      sameSite: sameSiteGuard({ allowedHosts: ctx.config.api.allowedHosts }),
    });
    return [queries];
  },
};

/**
 * Every role `mars serve` knows, in start order (`--roles` picks a subset, kept in this order).
 * To add a role: export a RoleDefinition from its module and add it here.
 */
export const ROLES: readonly RoleDefinition[] = [
  s3EventsRole,
  loaderRole,
  modelsRole,
  opsRole,
  schedulerRole,
  ingestRole,
  timelapseCommandsRole,
  timelapseRenderRole,
  queryApiRole,
  galleryRole,
];

/** The metadata pipeline alone: what runs when no timelapse is wanted. */
export const PIPELINE_ROLES = ['s3-events', 'loader', 'models', 'scheduler', 'ingest', 'query-api'];
