import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import { closeAll, once } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { EmbeddedS3 } from '../platform/object-store/embedded-s3.ts';
import { ObjectStore } from '../platform/object-store/object-store.ts';
import { createKafkaClient } from '../platform/kafka/client.ts';
import { EmbeddedKafka } from '../platform/kafka/embedded-kafka.ts';
import { KafkaProducer } from '../platform/kafka/producer.ts';
import { closeRedis, createRedis } from '../platform/redis.ts';
import { openWarehouse } from '../warehouse/open-warehouse.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { ReadinessCheck } from './readiness.ts';

/**
 * The shared dependencies of one process, opened on first use from the configuration and
 * closed together. Where a variable is unset, the embedded part is started and logged.
 */
export class Runtime {
  private objectStorePromise?: Promise<ObjectStore>;
  private warehousePromise?: Promise<Warehouse>;
  private embeddedS3?: EmbeddedS3;
  private kafkaPromise?: Promise<Kafka>;
  private embeddedKafka?: EmbeddedKafka;
  private producerPromise?: Promise<KafkaProducer>;
  private redisConnection?: Redis;

  constructor(
    readonly config: Config,
    readonly logger: Logger,
  ) {}

  /** The embedded s3rver, when this process started one (its events feed `minio-events`). */
  get embeddedObjectStore(): EmbeddedS3 | undefined {
    return this.embeddedS3;
  }

  objectStore(): Promise<ObjectStore> {
    return (this.objectStorePromise ??= this.openObjectStore());
  }

  warehouse(): Promise<Warehouse> {
    return (this.warehousePromise ??= openWarehouse(this.config.warehouse).then((warehouse) => {
      const where = this.config.warehouse.kind === 'duckdb' ? this.config.warehouse.duckdbPath : 'Snowflake';
      this.logger.info({ warehouse: this.config.warehouse.kind, where }, 'warehouse open');
      return warehouse;
    }));
  }

  /** The Kafka client: KAFKA_BROKERS, or librdkafka's mock cluster through kcat when unset. */
  kafka(): Promise<Kafka> {
    return (this.kafkaPromise ??= this.openKafka());
  }

  /** Brokers in use (after `kafka()`): the configured ones or the embedded cluster's. */
  get kafkaBrokers(): string[] | undefined {
    return this.config.kafka.brokers ?? (this.embeddedKafka ? this.embeddedKafka.brokers : undefined);
  }

  /** One connected producer for the process. */
  producer(): Promise<KafkaProducer> {
    return (this.producerPromise ??= this.kafka().then(async (kafka) => {
      const producer = new KafkaProducer(kafka);
      await producer.start();
      return producer;
    }));
  }

  /** The process's shared Redis connection (BullMQ queues, idempotency records). */
  redis(): Redis {
    return (this.redisConnection ??= createRedis(this.config.redisUrl, { name: 'mars', logger: this.logger }));
  }

  /** What /readyz asks of the parts this process has opened: Redis answers, the warehouse answers. */
  readinessChecks(): ReadinessCheck[] {
    const checks: ReadinessCheck[] = [];
    const redis = this.redisConnection;
    if (redis) {
      checks.push({
        name: 'redis',
        probe: async () => {
          // A lost connection queues commands rather than failing them: ask the connection first.
          if (redis.status !== 'ready') throw new Error(`Redis connection ${redis.status}`);
          await redis.ping();
        },
      });
    }
    const warehouse = this.warehousePromise;
    if (warehouse) checks.push({ name: 'warehouse', probe: async () => (await warehouse).query('SELECT 1 AS ok') });
    return checks;
  }

  private async openKafka(): Promise<Kafka> {
    let brokers = this.config.kafka.brokers;
    if (!brokers) {
      this.embeddedKafka = new EmbeddedKafka();
      await this.embeddedKafka.start();
      brokers = this.embeddedKafka.brokers;
      this.logger.info({ brokers }, 'KAFKA_BROKERS unset: started embedded Kafka (librdkafka mock cluster via kcat, in memory only)');
    }
    return createKafkaClient({ brokers, clientId: this.config.kafka.clientId, logger: this.logger });
  }

  private async openObjectStore(): Promise<ObjectStore> {
    const { s3 } = this.config;
    let endpoint = s3.endpoint;
    let accessKey = s3.accessKey;
    let secretKey = s3.secretKey;
    if (!endpoint) {
      this.embeddedS3 = new EmbeddedS3({ directory: path.join(this.config.dataDir, 's3'), bucket: s3.bucket });
      await this.embeddedS3.start();
      endpoint = this.embeddedS3.endpoint;
      accessKey = this.embeddedS3.accessKey;
      secretKey = this.embeddedS3.secretKey;
      this.logger.info({ endpoint, directory: path.join(this.config.dataDir, 's3') }, 'S3_ENDPOINT unset: started embedded object store (s3rver)');
    }
    const store = new ObjectStore({ endpoint, accessKey, secretKey, bucket: s3.bucket, region: s3.region });
    await store.ensureBucket();
    return store;
  }

  close = once(async () => {
    await closeAll([
      async () => (this.producerPromise ? (await this.producerPromise).close() : undefined),
      () => this.embeddedKafka?.close(),
      () => (this.redisConnection ? closeRedis(this.redisConnection) : undefined),
      // A warehouse that failed to open has nothing to close; its error already reached the caller.
      async () => (await this.warehousePromise?.catch(() => undefined))?.close(),
      () => this.embeddedS3?.close(),
    ]);
  });
}
