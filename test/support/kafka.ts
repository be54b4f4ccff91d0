import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { EmbeddedKafka } from '../../src/platform/kafka/embedded-kafka.ts';
import { uniqueName } from './temp.ts';

export interface TestKafka {
  brokers: string[];
  kafka: Kafka;
  /** Reads every message of a topic from the start until `count` have arrived (or throws after timeoutMs). */
  readTopic(topic: string, count: number, timeoutMs?: number): Promise<Array<{ key: string | null; value: string | null; partition: number; offset: string }>>;
  /** Every message of a topic so far: as many as its partitions' high watermarks say there are. */
  readAll(topic: string): Promise<Array<{ key: string | null; value: string | null; partition: number; offset: string }>>;
  /** Sends raw values (strings as they are) to a topic. */
  send(topic: string, values: Array<string | null>, key?: string): Promise<void>;
  close(): Promise<void>;
}

/** A fresh librdkafka mock cluster (through kcat) for one test file, with small helpers. */
export async function startTestKafka(): Promise<TestKafka> {
  const cluster = new EmbeddedKafka();
  await cluster.start();
  const kafka = new Kafka({ clientId: uniqueName('test'), brokers: cluster.brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const testKafka: TestKafka = {
    brokers: cluster.brokers,
    kafka,
    async send(topic, values, key) {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ key: key ?? null, value })) });
    },
    async readTopic(topic, count, timeoutMs = 30_000) {
      const consumer = kafka.consumer({ groupId: uniqueName('reader'), sessionTimeout: 6000, heartbeatInterval: 500 });
      const out: Array<{ key: string | null; value: string | null; partition: number; offset: string }> = [];
      await consumer.connect();
      try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`read ${out.length} of ${count} messages from ${topic} in ${timeoutMs} ms`)), timeoutMs);
          if (count === 0) {
            clearTimeout(timer);
            resolve();
            return;
          }
          void consumer.run({
            eachMessage: async ({ partition, message }) => {
              out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, partition, offset: message.offset });
              if (out.length >= count) {
                clearTimeout(timer);
                resolve();
              }
            },
          });
        });
      } finally {
        await consumer.disconnect();
      }
      return out;
    },
    async readAll(topic) {
      const admin = kafka.admin();
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
      return testKafka.readTopic(topic, offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0));
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      await cluster.close();
    },
  };
  return testKafka;
}
