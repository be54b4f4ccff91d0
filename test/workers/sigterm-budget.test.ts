import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { startTestS3 } from '../support/s3.ts';
import { spawnServe, type ServeChild } from '../support/serve-child.ts';
import { nasaFixtures, tempDir, uniqueName } from '../support/temp.ts';
import { waitFor } from '../support/service.ts';

let kafka: TestKafka;
let s3: Awaited<ReturnType<typeof startTestS3>>;
let replay: ReplayServer;
let temp: Awaited<ReturnType<typeof tempDir>>;
let serve: ServeChild | undefined;
const prefix = uniquePrefix();

beforeAll(async () => {
  [kafka, s3, replay, temp] = await Promise.all([startTestKafka(), startTestS3(), startReplayServer({ dir: nasaFixtures }), tempDir('mars-sigterm')]);
});
afterAll(async () => {
  if (serve && serve.child.exitCode === null && serve.child.signalCode === null) serve.child.kill('SIGKILL');
  await Promise.all([kafka?.close(), s3?.close(), replay?.close(), deletePrefix(testRedisUrl(), prefix)]);
  await temp?.cleanup();
});

it('SIGTERM while ingest jobs wait for the NASA budget exits at once and hands the jobs back, none spent or dead-lettered', async () => {
  serve = await spawnServe(
    {
      DATA_DIR: temp.dir,
      DUCKDB_PATH: path.join(temp.dir, 'w.duckdb'),
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_GROUP_PREFIX: uniqueName('g'),
      S3_ENDPOINT: s3.s3.endpoint,
      S3_BUCKET: s3.store.bucket,
      NASA_API_BASE_URL: replay.url,
      MARS_RAW_BASE_URL: '',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      // One request an hour: the first goes, every later one waits for the budget.
      NASA_RATE_LIMIT_PER_HOUR: '1',
      PORT: '0',
      LOG_LEVEL: 'info',
    },
    ['--roles', 'scheduler,ingest'],
  );
  const sent = spawnSync('kcat', ['-P', '-b', kafka.brokers[0]!, '-t', 'ingestion-scheduling'], {
    input: ['{"source":"photos","rover":"curiosity","solStart":0,"solEnd":0}', '{"source":"photos","rover":"spirit","solStart":1,"solEnd":1}'].join('\n') + '\n',
    encoding: 'utf8',
  });
  expect(sent.status).toBe(0);
  const queue = new Queue('ingest-photos', { connection: { url: testRedisUrl() }, prefix });
  try {
    // Both jobs in hand, at least one of them past its first request and waiting for the budget.
    await waitFor('both jobs active', async () => ((await queue.getJobCounts('active')).active === 2 ? true : undefined), 60_000);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const started = Date.now();
    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(serve.stderr().match(/"msg":"ingest job handed back: shutting down"/g)).toHaveLength(2);
    const jobs = await queue.getJobs(['wait', 'prioritized', 'active', 'failed']);
    expect(jobs.map((job) => [job.data.request.rover, job.attemptsMade]).sort()).toEqual([['curiosity', 0], ['spirit', 0]]);
    expect(await Promise.all(jobs.map((job) => job.getState()))).toEqual(['prioritized', 'prioritized']);
  } finally {
    await queue.close();
  }
  // Nothing was dead-lettered: the topic is empty.
  expect(await kafka.readAll('dead-letter')).toEqual([]);
}, 180_000);
