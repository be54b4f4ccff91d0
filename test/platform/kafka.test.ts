import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TransientError, ValidationError } from '../../src/platform/errors.ts';
import { createKafkaClient } from '../../src/platform/kafka/client.ts';
import { TopicConsumer } from '../../src/platform/kafka/consumer.ts';
import { EmbeddedKafka, KcatMissingError } from '../../src/platform/kafka/embedded-kafka.ts';
import { KafkaProducer } from '../../src/platform/kafka/producer.ts';
import { provisionTopics } from '../../src/platform/kafka/provision.ts';
import { defineTopic, DeadLetterSchema, Topics } from '../../src/timelapse/topics.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { uniqueName } from '../support/temp.ts';

const Greeting = z.object({ name: z.string(), fail: z.enum(['never', 'for-good', 'always-retriable']).default('never') });

describe('Kafka plumbing on the mock cluster', () => {
  let env: TestKafka;
  let producer: KafkaProducer;
  beforeAll(async () => {
    env = await startTestKafka();
    producer = new KafkaProducer(createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger }));
    await producer.start();
  });
  afterAll(async () => {
    await producer.close();
    await env.close();
  });

  it('provisioning tolerates a cluster that refuses createTopics', async () => {
    const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger });
    const result = await provisionTopics(kafka, { topics: [uniqueName('t')], partitions: 4, replicationFactor: 1, logger: silentLogger });
    expect(result.created).toEqual([]);
    expect(result.refused).toBeTypeOf('string');
  });

  it('the producer refuses a value that fails its topic schema', async () => {
    await expect(producer.publish(Topics.ingestionScheduling, { source: 'photos', rover: 'pathfinder' } as never)).rejects.toThrow(ValidationError);
    await expect(producer.publish(Topics.ingestionScheduling, { source: 'photos', rover: 'curiosity' })).rejects.toThrow(/solStart/);
  });

  it('dead-letters every kind of bad message with its reason and goes on', async () => {
    const topic = defineTopic(uniqueName('greetings'), Greeting);
    const dlq = Topics.deadLetter.name;
    const handled: string[] = [];
    const consumer = new TopicConsumer({
      kafka: createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger }),
      groupId: uniqueName('group'),
      topic,
      producer,
      logger: silentLogger,
      attempts: 2,
      sessionTimeoutMs: 6000,
      handler: async (value) => {
        if (value.fail === 'for-good') throw new ValidationError(`cannot greet ${value.name}`);
        if (value.fail === 'always-retriable') throw new TransientError(`busy greeting ${value.name}`);
        handled.push(value.name);
      },
    });
    // All on one key, so one partition keeps their order.
    await env.send(topic.name, ['{"name":"first"}', 'not json {', '{"name":42}', null, '{"name":"x","fail":"for-good"}', '{"name":"y","fail":"always-retriable"}', '{"name":"last"}'], 'k');
    await consumer.start();
    const letters = (await env.readTopic(dlq, 5)).map((m) => DeadLetterSchema.parse(JSON.parse(m.value!))).filter((l) => l.topic === topic.name)
      // Dead letters are keyed by their origin, so they spread over the partitions: order them back.
      .sort((a, b) => Number(a.offset) - Number(b.offset));
    await consumer.close();
    expect(handled).toEqual(['first', 'last']);
    expect(letters.map((l) => [l.reason, l.offset])).toEqual([
      ['invalid-json', '1'],
      ['invalid-schema', '2'],
      ['invalid-json', '3'],
      ['handler-failed', '4'],
      ['retries-exhausted', '5'],
    ]);
    expect(letters[0]!.value).toBe('not json {');
    expect(letters[1]!.detail).toBe('name: Invalid input: expected string, received number');
    expect(letters[2]!.detail).toBe('the message has no value');
    expect(letters[3]!.detail).toBe('cannot greet x');
    expect(letters[4]!.detail).toBe('busy greeting y (after 2 attempts)');
    expect(new Set(letters.map((l) => l.partition)).size).toBe(1);
  });

  it('without dead letters for failures, keeps a message uncommitted until its handler succeeds', async () => {
    const topic = defineTopic(uniqueName('letters'), Greeting);
    let calls = 0;
    const handled: string[] = [];
    const consumer = new TopicConsumer({
      kafka: createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger }),
      groupId: uniqueName('group'),
      topic,
      producer,
      logger: silentLogger,
      attempts: 1,
      sessionTimeoutMs: 6000,
      deadLetterFailures: false,
      // The store behind the handler is down for the first two tries.
      handler: async (value) => {
        if (++calls <= 2) throw new ValidationError('the warehouse is down');
        handled.push(value.name);
      },
    });
    await env.send(topic.name, ['{"name":"kept"}', 'not json {'], 'k');
    await consumer.start();
    await expect.poll(() => handled, { timeout: 60_000, interval: 200 }).toEqual(['kept']);
    // A message that is not JSON still goes to dead-letter: recording it cannot fix it.
    const reader = env.kafka.consumer({ groupId: uniqueName('reader'), sessionTimeout: 6000, heartbeatInterval: 500 });
    const letters: Array<{ reason: string }> = [];
    await reader.connect();
    await reader.subscribe({ topic: Topics.deadLetter.name, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const letter = DeadLetterSchema.parse(JSON.parse(message.value!.toString()));
        if (letter.topic === topic.name) letters.push(letter);
      },
    });
    await expect.poll(() => letters.length, { timeout: 30_000 }).toBeGreaterThan(0);
    // Long enough for a letter of the failed tries to have come too, had there been one.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    await reader.disconnect();
    await consumer.close();
    expect(calls).toBe(3);
    expect(letters.map((l) => l.reason)).toEqual(['invalid-json']);
  }, 90_000);

  it('keeps its group membership through a handler longer than the session timeout', async () => {
    const topic = defineTopic(uniqueName('slow'), Greeting);
    const handled: string[] = [];
    const consumer = new TopicConsumer({
      kafka: createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger }),
      groupId: uniqueName('group'),
      topic,
      producer,
      logger: silentLogger,
      sessionTimeoutMs: 6000,
      handler: async (value) => {
        if (value.name === 'slow') await new Promise((resolve) => setTimeout(resolve, 10_000));
        handled.push(value.name);
      },
    });
    try {
      await env.send(topic.name, ['{"name":"slow"}'], 'k');
      await consumer.start();
      await expect.poll(() => handled, { timeout: 60_000, interval: 200 }).toEqual(['slow']);
      await env.send(topic.name, ['{"name":"after"}'], 'k');
      await expect.poll(() => handled, { timeout: 30_000, interval: 200 }).toEqual(['slow', 'after']);
      expect(consumer.healthy()).toBe(true);
    } finally {
      await consumer.close();
    }
  }, 120_000);

  it('commits only handled messages: a message in hand at shutdown is handed back', async () => {
    const topic = defineTopic(uniqueName('handback'), Greeting);
    const groupId = uniqueName('group');
    const kafka = createKafkaClient({ brokers: env.brokers, clientId: 'test', logger: silentLogger });
    let firstSaw: string[] = [];
    let failing!: () => void;
    const stuck = new Promise<void>((resolve) => (failing = resolve));
    const first = new TopicConsumer({
      kafka,
      groupId,
      topic,
      producer,
      logger: silentLogger,
      attempts: 100,
      sessionTimeoutMs: 6000,
      handler: async (value) => {
        firstSaw.push(value.name);
        if (value.name === 'b') {
          failing();
          throw new TransientError('dependency down');
        }
      },
    });
    await env.send(topic.name, ['{"name":"a"}', '{"name":"b"}', '{"name":"c"}'], 'k');
    await first.start();
    await stuck;
    await first.close();
    expect(firstSaw.slice(0, 2)).toEqual(['a', 'b']);
    expect(firstSaw).not.toContain('c');

    const secondSaw: string[] = [];
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const second = new TopicConsumer({
      kafka,
      groupId,
      topic,
      producer,
      logger: silentLogger,
      sessionTimeoutMs: 6000,
      handler: async (value) => {
        secondSaw.push(value.name);
        if (value.name === 'c') done();
      },
    });
    await second.start();
    await finished;
    await second.close();
    expect(secondSaw).toEqual(['b', 'c']);
    firstSaw = [];
  });

  it('says how to install kcat when it is missing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const cluster = new EmbeddedKafka();
      await expect(cluster.start()).rejects.toThrow(KcatMissingError);
      await expect(cluster.start()).rejects.toThrow(/apt-get install kcat/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('closes an embedded cluster whose kcat was killed by a signal, twice', async () => {
    const cluster = new EmbeddedKafka();
    await cluster.start();
    const pid = cluster.describe().pid as number;
    const gone = new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        try {
          process.kill(pid, 0);
        } catch {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    // Its own process group (detached): kill the shell and kcat together, as an outside kill would.
    process.kill(-pid, 'SIGKILL');
    await gone;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await cluster.close();
    await cluster.close();
  });
});
