import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import { closeAll, once, type Service } from '../platform/lifecycle.ts';
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

const REDIS_ANSWER_TIMEOUT_MS = 5000;

/** A URL fit for a status page: any password replaced. */
function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.href;
}

/** A dependency that needs no start of its own shown as a Service: close and describe it. */
function serviceOf(name: string, close: () => Promise<unknown> | unknown, describe: () => Record<string, unknown>): Service {
  return { name, start: async () => undefined, close: once(async () => void (await close())), describe };
}

/**
 * The shared dependencies of one process (embedded Kafka, producer, embedded S3, object store,
 * warehouse, Redis), each opened on first use from the configuration and then kept as a
 * `Service` in the order it started; `close()` stops them in reverse and `describe()` (part of
 * `/api/status`) names each. Where a variable is unset, the embedded part is started and logged.
 */
export class Runtime implements Service {
  readonly name = 'runtime';
  /** Started dependencies, in start order. */
  private readonly parts: Service[] = [];
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

  /** Dependencies start on first use; nothing to do up front. */
  async start(): Promise<void> {}

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
      this.parts.push(serviceOf('warehouse', () => warehouse.close(), () => ({ kind: this.config.warehouse.kind, where })));
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
      await this.startPart(producer);
      return producer;
    }));
  }

  /** The process's shared Redis connection (BullMQ queues, idempotency records). */
  redis(): Redis {
    if (!this.redisConnection) {
      const redis = createRedis(this.config.redisUrl, { name: 'mars', logger: this.logger });
      this.redisConnection = redis;
      this.parts.push(serviceOf('redis', () => closeRedis(redis), () => ({ url: withoutPassword(this.config.redisUrl), status: redis.status })));
    }
    return this.redisConnection;
  }

  /**
   * The Redis connection, once it has answered a PING. BullMQ and the shared NASA budget wait
   * forever for a Redis that is not there: a command says so at once instead.
   */
  async answeringRedis(timeoutMs = REDIS_ANSWER_TIMEOUT_MS): Promise<Redis> {
    const redis = this.redis();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new Error(`Redis at ${withoutPassword(this.config.redisUrl)} does not answer: start one (\`redis-server\`, or \`npm start\`, which does) or set REDIS_URL`)),
        timeoutMs,
      );
    });
    try {
      await Promise.race([redis.ping(), timeout]);
      return redis;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Lists a part before starting it, so a part whose start fails half-way is still closed. */
  private async startPart<T extends Service>(part: T): Promise<T> {
    this.parts.push(part);
    await part.start();
    return part;
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
      this.embeddedKafka = await this.startPart(new EmbeddedKafka());
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
      this.embeddedS3 = await this.startPart(new EmbeddedS3({ directory: path.join(this.config.dataDir, 's3'), bucket: s3.bucket }));
      endpoint = this.embeddedS3.endpoint;
      accessKey = this.embeddedS3.accessKey;
      secretKey = this.embeddedS3.secretKey;
      this.logger.info({ endpoint, directory: path.join(this.config.dataDir, 's3') }, 'S3_ENDPOINT unset: started embedded object store (s3rver)');
    }
    const store = new ObjectStore({ endpoint, accessKey, secretKey, bucket: s3.bucket, region: s3.region, objectFile: this.embeddedS3?.objectFile, listObjectFiles: this.embeddedS3?.listObjectFiles });
    await store.ensureBucket();
    // The minio client holds no connection of its own to close; it is listed so status shows it.
    this.parts.push(serviceOf('object-store', () => undefined, () => ({ endpoint, bucket: s3.bucket })));
    return store;
  }

  /** Stops every started dependency in reverse start order, each even if an earlier one failed. */
  close = once(async () => {
    // A dependency still opening is waited for, so it is listed (and closed) too; one that failed
    // to open has nothing to close, and its error already reached the caller.
    const opening = [this.objectStorePromise, this.warehousePromise, this.kafkaPromise, this.producerPromise];
    await Promise.all(opening.map((promise) => promise?.catch(() => undefined)));
    await closeAll([...this.parts].reverse().map((part) => () => part.close()));
  });

  describe(): Record<string, unknown> {
    return Object.fromEntries(this.parts.map((part) => [part.name, part.describe()]));
  }
}
