import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRequest } from '../../src/timelapse/ingest-request.ts';
import { HttpClient } from '../../src/ingest/http-client.ts';
import { TransientError, ValidationError } from '../../src/platform/errors.ts';
import { createKafkaClient } from '../../src/platform/kafka/client.ts';
import { KafkaProducer } from '../../src/platform/kafka/producer.ts';
import { DeadLetterSchema, IngestionRunSchema } from '../../src/timelapse/topics.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { closeRedis, createRedis } from '../../src/platform/redis.ts';
import { DoneRecords } from '../../src/workers/ingest/done-records.ts';
import { ingestJobKey } from '../../src/workers/ingest/ingest-job.ts';
import { IngestQueues } from '../../src/workers/ingest/ingest-queues.ts';
import type { IngestSummaryLike } from '../../src/ingest/ingestion-run.ts';
import { IngestWorkers } from '../../src/workers/ingest/ingest-workers.ts';
import { SharedRollingHourLimit } from '../../src/workers/ingest/shared-rolling-hour-limit.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { deletePrefix, OwnRedis, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { waitFor } from '../support/service.ts';

const concurrency = { photos: 2, feed: 2, manifests: 1, traverse: 1 };
const summary = (records: number): IngestSummaryLike => ({ records, requests: 1, objectKeys: ['raw/x.json'] });

describe('BullMQ ingest queues', () => {
  let kafka: TestKafka;
  let producer: KafkaProducer;
  beforeAll(async () => {
    kafka = await startTestKafka();
    producer = new KafkaProducer(createKafkaClient({ brokers: kafka.brokers, clientId: 'test', logger: silentLogger }));
    await producer.start();
  });
  afterAll(async () => {
    await producer.close();
    await kafka.close();
  });

  function setup(
    redisUrl: string,
    prefix: string,
    ingest: (request: IngestRequest) => Promise<IngestSummaryLike>,
    attempts = 3,
    workerConcurrency = concurrency,
    interrupt?: () => Promise<void>,
  ) {
    const redis = createRedis(redisUrl);
    const done = new DoneRecords(redis, prefix, 3600);
    const queues = new IngestQueues({ connection: redis, prefix, done, attempts, backoffMs: 20, batchSols: 10, maxSols: 500, logger: silentLogger });
    const workers = new IngestWorkers({ redisUrl, prefix, concurrency: workerConcurrency, ingest: (request) => ingest(request), done, producer, logger: silentLogger, interrupt });
    return {
      redis,
      done,
      queues,
      workers,
      close: async () => {
        await workers.close();
        await queues.close();
        await closeRedis(redis);
      },
    };
  }

  it('runs each command once, remembers it, and dead-letters after the last attempt', async () => {
    const prefix = uniquePrefix();
    const calls = new Map<string, number>();
    const env = setup(testRedisUrl(), prefix, async (request) => {
      const key = `${request.rover}:${request.solStart}`;
      calls.set(key, (calls.get(key) ?? 0) + 1);
      if (request.rover === 'spirit') throw new TransientError('NASA answered 503');
      if (request.rover === 'opportunity') throw new ValidationError('sol out of the mission');
      return summary(7);
    });
    try {
      await env.workers.start();
      const ok: IngestRequest = { source: 'photos', rover: 'curiosity', solStart: 5, solEnd: 6 };
      const origin = { topic: 'ingestion-scheduling', partition: 2, offset: '41' };
      expect((await env.queues.enqueue(ok, origin)).status).toBe('queued');
      await env.queues.enqueue({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 }, origin);
      await env.queues.enqueue({ source: 'photos', rover: 'opportunity', solStart: 9999, solEnd: 9999 }, { ...origin, offset: '42' });
      await waitFor('the curiosity command to be done', async () => ((await env.done.get(ingestJobKey(ok))) ? true : undefined));
      expect(await env.queues.enqueue(ok, origin)).toMatchObject({ status: 'already-done' });
      const letters = (await kafka.readTopic('dead-letter', 2)).map((m) => DeadLetterSchema.parse(JSON.parse(m.value!)));
      letters.sort((a, b) => a.offset.localeCompare(b.offset));
      expect(letters.map((l) => [l.reason, l.detail, l.topic, l.partition, l.offset, l.consumer])).toEqual([
        ['retries-exhausted', 'NASA answered 503 (after 3 attempts)', 'ingestion-scheduling', 2, '41', 'queue:ingest-photos'],
        ['handler-failed', 'sol out of the mission', 'ingestion-scheduling', 2, '42', 'queue:ingest-photos'],
      ]);
      expect(JSON.parse(letters[0]!.value!)).toEqual({ source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 });
      expect(Object.fromEntries(calls)).toEqual({ 'curiosity:5': 1, 'spirit:1': 3, 'opportunity:9999': 1 });
      // Every attempt is in the run history, failed ones with their error.
      const runs = (await kafka.readTopic('ingestion-runs', 5)).map((m) => IngestionRunSchema.parse(JSON.parse(m.value!)));
      const seen = runs.map((r) => [r.rover, r.attempt, r.status, r.records, r.objects, r.error]).sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
      expect(seen).toEqual([
        ['curiosity', 1, 'completed', 7, 1, null],
        ['opportunity', 1, 'failed', 0, 0, 'sol out of the mission'],
        ['spirit', 1, 'failed', 0, 0, 'NASA answered 503'],
        ['spirit', 2, 'failed', 0, 0, 'NASA answered 503'],
        ['spirit', 3, 'failed', 0, 0, 'NASA answered 503'],
      ]);
      expect(new Set(runs.map((r) => r.runId)).size).toBe(5);
    } finally {
      await env.close();
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('runs a forced command once per message, a redelivered message once', async () => {
    const prefix = uniquePrefix();
    let calls = 0;
    const env = setup(testRedisUrl(), prefix, async () => {
      calls++;
      return summary(1);
    });
    try {
      const forced: IngestRequest = { source: 'photos', rover: 'curiosity', solStart: 7, solEnd: 7, force: true };
      const origin = { topic: 'ingestion-scheduling', partition: 0, offset: '5' };
      await env.queues.enqueue(forced, origin);
      await env.queues.enqueue(forced, origin);
      await env.queues.enqueue(forced, { ...origin, offset: '6' });
      await env.workers.start();
      await waitFor('two forced runs', async () => (calls >= 2 ? true : undefined));
      // The unforced twin was never run, so it is not done; the forced runs recorded their own key.
      expect(await env.done.get(ingestJobKey({ ...forced, force: undefined }))).toBeNull();
      expect(await env.done.get(ingestJobKey(forced))).toMatchObject({ records: 1 });
      await env.workers.close();
      expect(calls).toBe(2);
    } finally {
      await env.close();
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('refuses a sol range over INGEST_MAX_SOLS with the cap in the reason, and queues nothing', async () => {
    const prefix = uniquePrefix();
    const env = setup(testRedisUrl(), prefix, async () => summary(1));
    try {
      const huge: IngestRequest = { source: 'photos', rover: 'perseverance', solStart: 0, solEnd: 100_000 };
      await expect(env.queues.enqueue(huge, null)).rejects.toThrow(
        new ValidationError('sols 0-100000 are 100001 sols, over the 500 one ingestion command may cover (INGEST_MAX_SOLS): send ranges of at most 500 sols'),
      );
      expect(await env.queues.enqueue({ ...huge, solEnd: 499 }, null)).toMatchObject({ status: 'queued' });
      const counts = await env.queues.jobCountSources().find((source) => source.name === 'ingest-photos')!.counts();
      expect(counts.prioritized).toBe(50);
    } finally {
      await env.close();
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('cuts a long command into batch jobs, and runs interactive jobs before queued backfill', async () => {
    const prefix = uniquePrefix();
    const order: string[] = [];
    const env = setup(testRedisUrl(), prefix, async (request) => {
      order.push(`${request.priority ?? 'interactive'} ${request.solStart}-${request.solEnd}${request.requestId ? ` ${request.requestId}` : ''}`);
      return summary(1);
    }, 3, { ...concurrency, photos: 1 });
    try {
      const backfill: IngestRequest = { source: 'photos', rover: 'curiosity', solStart: 100, solEnd: 124, force: true, priority: 'backfill' };
      const outcome = await env.queues.enqueue(backfill, { topic: 'ingestion-scheduling', partition: 0, offset: '1' });
      expect(outcome).toMatchObject({ status: 'queued', queue: 'ingest-photos' });
      expect(outcome.jobIds).toHaveLength(3);
      // A person's request arrives after the backfill and still runs first.
      await env.queues.enqueue({ source: 'photos', rover: 'curiosity', solStart: 394, solEnd: 405, requestId: 'navcam-394:photos' }, null);
      await env.workers.start();
      await waitFor('five jobs run', async () => (order.length === 5 ? true : undefined));
      expect(order).toEqual([
        'interactive 394-403 navcam-394:photos/394-403',
        'interactive 404-405 navcam-394:photos/404-405',
        'backfill 100-109',
        'backfill 110-119',
        'backfill 120-124',
      ]);
    } finally {
      await env.close();
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('shares one NASA request budget across processes through Redis', async () => {
    const prefix = uniquePrefix();
    const a = createRedis(testRedisUrl());
    const b = createRedis(testRedisUrl());
    try {
      // Two "processes" with their own connections and the same key; two requests an hour.
      const key = `${prefix}:nasa-requests`;
      const first = new SharedRollingHourLimit({ redis: a, key, perHour: 2 });
      const second = new SharedRollingHourLimit({ redis: b, key, perHour: 2 });
      expect(await first.tryTake()).toBe(0);
      expect(await second.tryTake()).toBe(0);
      const wait = await first.tryTake();
      expect(wait).toBeGreaterThan(3_500_000);
      expect(wait).toBeLessThanOrEqual(3_600_000);
      expect(await second.tryTake()).toBeGreaterThan(3_500_000);
    } finally {
      await closeRedis(a);
      await closeRedis(b);
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('stops promptly while jobs wait for the request budget, and hands them back with no attempt spent', async () => {
    const prefix = uniquePrefix();
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const redis = createRedis(testRedisUrl());
    // One request an hour, spent at once: every job then waits for the budget.
    const http = new HttpClient({ rateLimiter: new SharedRollingHourLimit({ redis, key: `${prefix}:nasa-requests`, perHour: 1 }), retries: 0 });
    let waiting = 0;
    const env = setup(testRedisUrl(), prefix, async () => {
      waiting++;
      await http.getJson(url);
      return summary(1);
    }, 3, concurrency, () => http.close());
    try {
      await http.getJson(url);
      const requests: IngestRequest[] = [1, 2].map((sol) => ({ source: 'photos', rover: 'curiosity', solStart: sol, solEnd: sol }));
      for (const request of requests) await env.queues.enqueue(request, null);
      await env.workers.start();
      await waitFor('both jobs waiting for the budget', async () => (waiting === 2 ? true : undefined));
      const started = Date.now();
      await env.workers.close();
      expect(Date.now() - started).toBeLessThan(3000);
      expect(env.workers.describe()).toMatchObject({ handedBack: 2, failed: 0, deadLettered: 0 });
      const queue = new Queue('ingest-photos', { connection: redis, prefix });
      const jobs = await queue.getJobs(['wait', 'prioritized']);
      await queue.close();
      expect(jobs.map((job) => [job.data.request.solStart, job.attemptsMade]).sort()).toEqual([[1, 0], [2, 0]]);
    } finally {
      await env.close();
      await closeRedis(redis);
      server.close();
      await deletePrefix(testRedisUrl(), prefix);
    }
  });

  it('survives a Redis restart under load: every job completes, none is lost', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'mars-redis-'));
    const redis = await OwnRedis.start({ dir });
    const prefix = uniquePrefix();
    const seen = new Set<number>();
    let release!: () => void;
    const halfway = new Promise<void>((resolve) => (release = resolve));
    const env = setup(redis.url, prefix, async (request) => {
      seen.add(request.solStart!);
      if (seen.size === 10) release();
      await new Promise((resolve) => setTimeout(resolve, 20));
      return summary(1);
    });
    const requests: IngestRequest[] = Array.from({ length: 40 }, (_, sol) => ({ source: 'photos', rover: 'curiosity', solStart: sol, solEnd: sol }));
    try {
      await env.workers.start();
      for (const request of requests.slice(0, 30)) await env.queues.enqueue(request, null);
      await halfway;
      await redis.stop();
      await redis.start();
      // Jobs queued after the restart are taken too.
      for (const request of requests.slice(30)) await env.queues.enqueue(request, null);
      await waitFor('all 40 commands done', async () => {
        const done = await Promise.all(requests.map((r) => env.done.get(ingestJobKey(r))));
        return done.every(Boolean) ? true : undefined;
      }, 90_000);
      expect(seen.size).toBe(40);
    } finally {
      await env.close();
      await redis.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
