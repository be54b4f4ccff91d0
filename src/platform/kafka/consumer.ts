import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { errorMessage, formatIssues, isRetriable } from '../errors.ts';
import { once, type Service } from '../lifecycle.ts';
import type { Logger } from '../logger.ts';
import { retry } from '../retry.ts';
import { KAFKA_DEFAULTS } from './defaults.ts';
import type { KafkaProducer } from './producer.ts';
import { Topics, type DeadLetter, type TopicDefinition } from '../../timelapse/topics.ts';

export interface MessageMeta {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  timestamp: string;
}

/** What a consumer reports, for metrics. Every method is optional to implement. */
export interface ConsumerObserver {
  consumed?(topic: string): void;
  handlerFailed?(topic: string, error: unknown): void;
  deadLettered?(topic: string, reason: DeadLetter['reason']): void;
  lag?(topic: string, partition: number, lag: number): void;
  handled?(topic: string, seconds: number): void;
}

export interface TopicConsumerOptions<T> {
  kafka: Kafka;
  groupId: string;
  topic: TopicDefinition<T>;
  /** Does the message's work; resolves only once that work is durable. Must be idempotent. */
  handler: (value: T, meta: MessageMeta) => Promise<void>;
  /** Where dead letters are published; shared, not closed by the consumer. */
  producer: KafkaProducer;
  logger: Logger;
  observer?: ConsumerObserver;
  /** Handler attempts on retriable errors. Default 5. */
  attempts?: number;
  /** Default 30 s; tests lower it so a killed member is replaced sooner. */
  sessionTimeoutMs?: number;
  /** Read a new group's topic from the start, so nothing published before it joined is missed. Default true. */
  fromBeginning?: boolean;
  /** Partitions handled at the same time. Default 1. */
  partitionsConcurrently?: number;
  /**
   * Default true. False for a consumer of `dead-letter` itself: a handler that fails for good
   * (its store is down) would otherwise dead-letter a letter about a letter, around and around;
   * instead the message stays uncommitted and is tried again when the consumer restarts.
   */
  deadLetterFailures?: boolean;
}

type Outcome = { ok: true } | { ok: false; reason: DeadLetter['reason']; detail: string };

/**
 * A consumer that validates each value with zod, runs the handler, and commits the offset
 * only after the handler's work (or the dead letter) is durable: at least once, and exactly
 * once in effect because handlers are idempotent. A value that is not JSON, fails its schema,
 * or whose handler fails for good goes to `dead-letter` with the reason, and the consumer goes
 * on with the next message.
 */
export class TopicConsumer<T> implements Service {
  readonly name: string;
  private readonly consumer: Consumer;
  private readonly logger: Logger;
  private readonly abort = new AbortController();
  private counts = { consumed: 0, deadLettered: 0 };
  /** Set when kafkajs gave up on this consumer (a crash it will not restart from). */
  private crashed?: string;
  private joinedResolve?: () => void;
  private joinedReject?: (error: Error) => void;
  private readonly joined: Promise<void>;

  constructor(private readonly options: TopicConsumerOptions<T>) {
    this.name = `consumer:${options.topic.name}`;
    this.logger = options.logger.child({ module: 'kafka-consumer', topic: options.topic.name, groupId: options.groupId });
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: KAFKA_DEFAULTS.heartbeatIntervalMs,
      allowAutoTopicCreation: true,
      // Short long-polls: an event reaches its handler promptly, and shutdown is not held by a pending fetch.
      maxWaitTimeInMs: KAFKA_DEFAULTS.fetchMaxWaitMs,
    });
    this.joined = new Promise((resolve, reject) => {
      this.joinedResolve = resolve;
      this.joinedReject = reject;
    });
    // Nobody may be waiting for the join when it fails: the failure is kept in `crashed` too.
    this.joined.catch(() => undefined);
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => this.joinedResolve?.());
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      this.logger.error({ error: payload.error.message, restart: payload.restart }, payload.restart ? 'consumer crashed; restarting' : 'consumer crashed for good');
      if (!payload.restart) this.fail(payload.error.message);
    });
  }

  /**
   * Connects and subscribes, then lets the group join go on in the background (a join waits
   * out the broker's initial rebalance delay, 3 s by default): several consumers of one
   * process join at the same time. `ready()` resolves once this one has joined.
   */
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic.name, fromBeginning: this.options.fromBeginning ?? true });
    this.consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.options.partitionsConcurrently ?? 1,
        eachBatch: (payload) => this.eachBatch(payload),
      })
      .catch((error: unknown) => {
        this.logger.error({ error: errorMessage(error) }, 'consumer could not run');
        this.fail(errorMessage(error));
      });
  }

  private fail(reason: string): void {
    this.crashed = reason;
    this.joinedReject?.(new Error(`consumer of ${this.options.topic.name} stopped: ${reason}`));
  }

  /** Resolves once the consumer has joined its group; rejects if it stops before. */
  ready(): Promise<void> {
    return this.joined;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    for (const message of batch.messages) {
      if (!isRunning() || isStale()) return;
      // A handler longer than the session timeout (a big load on a busy machine) must not cost
      // the consumer its group membership: the coordinator would forget it and kafkajs give up.
      const beat = setInterval(() => void heartbeat().catch(() => undefined), KAFKA_DEFAULTS.heartbeatIntervalMs);
      try {
        await this.process(batch.topic, batch.partition, message);
      } finally {
        clearInterval(beat);
      }
      // The work is durable (or dead-lettered): only now may the group move past it.
      await this.consumer.commitOffsets([
        { topic: batch.topic, partition: batch.partition, offset: (BigInt(message.offset) + 1n).toString() },
      ]);
      resolveOffset(message.offset);
      this.options.observer?.lag?.(batch.topic, batch.partition, Math.max(0, Number(batch.highWatermark) - Number(message.offset) - 1));
      await heartbeat();
    }
  }

  private async process(topic: string, partition: number, message: KafkaMessage): Promise<void> {
    const meta: MessageMeta = {
      topic,
      partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      timestamp: message.timestamp,
    };
    this.counts.consumed++;
    this.options.observer?.consumed?.(topic);
    const started = performance.now();
    const outcome = await this.handle(message, meta);
    this.options.observer?.handled?.(topic, (performance.now() - started) / 1000);
    if (!outcome.ok && this.options.deadLetterFailures === false && (outcome.reason === 'handler-failed' || outcome.reason === 'retries-exhausted')) {
      throw new Error(`handler failed on ${topic}/${partition}/${message.offset}, left uncommitted: ${outcome.detail}`);
    }
    if (!outcome.ok) await this.deadLetter(message, meta, outcome.reason, outcome.detail);
  }

  private async handle(message: KafkaMessage, meta: MessageMeta): Promise<Outcome> {
    const text = message.value?.toString('utf8');
    let json: unknown;
    try {
      if (text === undefined) throw new Error('the message has no value');
      json = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: 'invalid-json', detail: errorMessage(error) };
    }
    const parsed = this.options.topic.schema.safeParse(json);
    if (!parsed.success) {
      const detail = formatIssues(parsed.error.issues);
      return { ok: false, reason: 'invalid-schema', detail };
    }
    let attempts = 0;
    try {
      await retry(
        async (attempt) => {
          attempts = attempt;
          await this.options.handler(parsed.data, meta);
        },
        {
          attempts: this.options.attempts ?? 5,
          baseDelayMs: KAFKA_DEFAULTS.handlerBaseDelayMs,
          maxDelayMs: KAFKA_DEFAULTS.handlerMaxDelayMs,
          signal: this.abort.signal,
          onRetry: ({ attempt, delayMs, error }) => {
            this.options.observer?.handlerFailed?.(meta.topic, error);
            this.logger.warn({ offset: meta.offset, partition: meta.partition, attempt, delayMs, error: errorMessage(error) }, 'handler failed; retrying');
          },
        },
      );
      return { ok: true };
    } catch (error) {
      // Shutting down mid-retry: leave the offset uncommitted so the message is handed back.
      if (this.abort.signal.aborted) throw error;
      this.options.observer?.handlerFailed?.(meta.topic, error);
      const retriable = isRetriable(error);
      return {
        ok: false,
        reason: retriable ? 'retries-exhausted' : 'handler-failed',
        detail: retriable ? `${errorMessage(error)} (after ${attempts} attempts)` : errorMessage(error),
      };
    }
  }

  private async deadLetter(message: KafkaMessage, meta: MessageMeta, reason: DeadLetter['reason'], detail: string): Promise<void> {
    const letter: DeadLetter = {
      reason,
      detail,
      topic: meta.topic,
      partition: meta.partition,
      offset: meta.offset,
      key: meta.key,
      value: message.value?.toString('utf8') ?? null,
      consumer: this.options.groupId,
      at: new Date().toISOString(),
    };
    // If this send fails the batch throws before committing: the message is retried, not lost.
    await this.options.producer.publish(Topics.deadLetter, letter, `${meta.topic}/${meta.partition}/${meta.offset}`);
    this.counts.deadLettered++;
    this.options.observer?.deadLettered?.(meta.topic, reason);
    this.logger.warn({ reason, detail, partition: meta.partition, offset: meta.offset }, 'message dead-lettered');
  }

  /** Stops fetching, lets the message in hand finish (or hands it back uncommitted), leaves the group. */
  close = once(async () => {
    this.abort.abort();
    await this.consumer.disconnect();
  });

  /** False once the consumer has stopped for good: the process should be restarted. */
  healthy(): boolean {
    return this.crashed === undefined;
  }

  describe(): Record<string, unknown> {
    return { topic: this.options.topic.name, groupId: this.options.groupId, ...this.counts, ...(this.crashed ? { crashed: this.crashed } : {}) };
  }
}
