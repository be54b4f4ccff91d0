import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { formatIssues, ValidationError } from '../errors.ts';
import { once } from '../lifecycle.ts';
import type { Service } from '../lifecycle.ts';
import type { TopicDefinition } from '../../timelapse/topics.ts';

/**
 * Sends JSON values, each checked against its topic's schema first, and waits for every
 * in-sync replica to have it (acks -1), so a caller that awaited `publish` can commit its own
 * input. Not idempotent on the wire (the mock cluster refuses that): consumers dedupe instead.
 */
export class KafkaProducer implements Service {
  readonly name = 'kafka-producer';
  private readonly producer: Producer;
  private sent = 0;
  private started?: Promise<void>;

  constructor(kafka: Kafka) {
    this.producer = kafka.producer({ allowAutoTopicCreation: true, idempotent: false, createPartitioner: Partitioners.DefaultPartitioner });
  }

  start(): Promise<void> {
    return (this.started ??= this.producer.connect());
  }

  async publish<T>(topic: TopicDefinition<T>, value: T, key?: string): Promise<void> {
    const parsed = topic.schema.safeParse(value);
    if (!parsed.success) {
      throw new ValidationError(`refusing to publish an invalid ${topic.name} message: ${formatIssues(parsed.error.issues)}`);
    }
    await this.sendRaw(topic.name, JSON.stringify(parsed.data), key);
  }

  /** Sends a value as it is, unchecked: for forwarding and for tests of bad input. */
  async sendRaw(topic: string, value: string | null, key?: string): Promise<void> {
    await this.start();
    await this.producer.send({ topic, acks: -1, messages: [{ key: key ?? null, value }] });
    this.sent++;
  }

  close = once(async () => {
    if (this.started) await this.producer.disconnect();
  });

  describe(): Record<string, unknown> {
    return { sent: this.sent };
  }
}
