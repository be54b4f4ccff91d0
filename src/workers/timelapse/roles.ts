import os from 'node:os';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { describeRoute, requirePhotoRoutes } from '../../ingest/source-routing.ts';
import type { KafkaProducer } from '../../platform/kafka/producer.ts';
import { TopicConsumer } from '../../platform/kafka/consumer.ts';
import { once, type Service } from '../../platform/lifecycle.ts';
import type { Logger } from '../../platform/logger.ts';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import { ensureLineageSchema } from '../../warehouse/lineage/lineage-store.ts';
import { EventLog } from '../../web/event-log.ts';
import { createGallery } from '../../web/gallery.ts';
import { WarehouseGalleryData } from '../../web/gallery-data.ts';
import type { RoleDefinition } from '../role.ts';
import { TimelapseCommandHandler } from './command-handler.ts';
import { RENDER_QUEUE, type RenderJobInput } from './render-job.ts';
import { RequestLedger } from './request-ledger.ts';
import { ROVERS, type Rover } from '../../timelapse/raw-objects.ts';
import type { TimelapseEvent } from '../../timelapse/schemas.ts';
import { Topics, TimelapseTopics } from '../../timelapse/topics.ts';

/** Publishes a timelapse event, keyed by request id so one request's events stay in order. */
export function eventPublisher(producer: KafkaProducer): (event: TimelapseEvent) => Promise<void> {
  return (event) => producer.publish(TimelapseTopics.events, event, event.requestId);
}

/** A presigned GET URL for a published object. */
export function presignedVideoUrl(store: ObjectStore): (key: string) => Promise<string> {
  return (key) => store.presignedGetUrl(key);
}

/** The render queue as a service, so the process closes it with the rest. */
export class RenderQueue implements Service {
  readonly name = 'timelapse-render-queue';
  readonly queue: Queue<RenderJobInput>;

  constructor(options: { connection: Redis; prefix: string }) {
    this.queue = new Queue<RenderJobInput>(RENDER_QUEUE, { connection: options.connection, prefix: options.prefix });
  }

  async start(): Promise<void> {
    await this.queue.waitUntilReady();
  }

  close = once(async () => {
    await this.queue.close();
  });

  describe(): Record<string, unknown> {
    return { queue: RENDER_QUEUE };
  }
}

/**
 * `timelapse-commands`: validates each command (the consumer dead-letters what fails the
 * schema), answers repeats from the ledger, resolves frames and enqueues one render job.
 */
export const timelapseCommandsRole: RoleDefinition = {
  name: 'timelapse-commands',
  description: 'consumes timelapse-commands: validate, dedupe by requestId, resolve frames, enqueue the render',
  async create(ctx) {
    const store = await ctx.runtime.objectStore();
    const warehouse = await ctx.runtime.warehouse();
    await ensureLineageSchema(warehouse);
    const redis = ctx.runtime.redis();
    const renderQueue = new RenderQueue({ connection: redis, prefix: ctx.config.queues.prefix });
    const handler = new TimelapseCommandHandler({
      warehouse,
      store,
      ledger: new RequestLedger(redis, { prefix: ctx.config.queues.prefix }),
      queue: renderQueue.queue,
      publishEvent: eventPublisher(ctx.producer),
      scheduleIngestion: (command) => ctx.producer.publish(Topics.ingestionScheduling, command, `${command.rover}/${command.solStart}`),
      photoSources: (rover) => requirePhotoRoutes(ctx.config, rover).map((route) => route.source),
      videoUrl: presignedVideoUrl(store),
      logger: ctx.logger,
      metadataTimeoutMs: ctx.config.timelapse.metadataTimeoutMs,
      ingestBatchSols: ctx.config.ingest.batchSols,
    });
    const consumer = new TopicConsumer({
      kafka: ctx.kafka,
      groupId: ctx.groupId('timelapse-commands'),
      topic: TimelapseTopics.commands,
      handler: (command) => handler.handle(command),
      producer: ctx.producer,
      logger: ctx.logger,
      attempts: ctx.config.kafka.handlerAttempts,
      sessionTimeoutMs: ctx.config.kafka.sessionTimeoutMs,
      partitionsConcurrently: 4,
    });
    return [renderQueue, consumer];
  },
};

/**
 * Feeds a process's EventLog from `timelapse-events`. Each process reads with a group of its
 * own, from the moment it joins, so every gallery replica sees every event.
 */
export function eventLogConsumer(options: { kafka: Kafka; producer: KafkaProducer; logger: Logger; groupPrefix: string; log: EventLog }): TopicConsumer<TimelapseEvent> {
  return new TopicConsumer({
    kafka: options.kafka,
    groupId: `${options.groupPrefix}-gallery-${os.hostname()}-${process.pid}-${Date.now().toString(36)}`,
    topic: TimelapseTopics.events,
    handler: async (event) => options.log.record(event),
    producer: options.producer,
    logger: options.logger,
    fromBeginning: false,
    sessionTimeoutMs: 10_000,
  });
}

/** The gallery on the service's HTTP server, following `timelapse-events` for its progress views. */
export const galleryRole: RoleDefinition = {
  name: 'gallery',
  description: 'the gallery pages, the media route (timelapses/ and images/ with byte ranges) and the request API',
  async create(ctx) {
    const store = await ctx.runtime.objectStore();
    const warehouse = await ctx.runtime.warehouse();
    await ensureLineageSchema(warehouse);
    const log = new EventLog();
    const consumer = eventLogConsumer({ kafka: ctx.kafka, producer: ctx.producer, logger: ctx.logger, groupPrefix: ctx.config.kafka.groupPrefix, log });
    ctx.http.mount(
      createGallery({
        data: new WarehouseGalleryData(warehouse),
        sourceRoutes: Object.fromEntries(ROVERS.map((rover) => [rover, describeRoute(ctx.config, rover)])) as Record<Rover, string>,
        store,
        events: log,
        publishCommand: (command) => ctx.producer.publish(TimelapseTopics.commands, command, command.requestId),
        logger: ctx.logger,
      }),
    );
    return [consumer];
  },
};
