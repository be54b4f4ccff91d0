import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplayServer } from '../../../src/ingest/replay/replay-server.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { SAMPLE } from '../../../src/timelapse/sample.ts';
import { TimelapseCommandSchema } from '../../../src/timelapse/schemas.ts';
import { DuckDbWarehouse } from '../../../src/warehouse/duckdb-warehouse.ts';
import { selectFrames } from '../../../src/warehouse/selection/select-frames.ts';
import { loadSample } from '../../../src/workers/timelapse/offline-sample.ts';
import { RENDER_JOB_DEFAULTS, RENDER_QUEUE, RenderJobSchema, type RenderJobInput } from '../../../src/workers/timelapse/render-job.ts';
import { Runtime } from '../../../src/workers/runtime.ts';
import { startTestKafka, type TestKafka } from '../../support/kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/redis.ts';
import { startTestS3 } from '../../support/s3.ts';
import { spawnServe, type ServeChild } from '../../support/serve-child.ts';
import { tempDir, uniqueName } from '../../support/temp.ts';

const REQUESTS = Array.from({ length: 20 }, (_, i) => `scale-${String(i).padStart(2, '0')}`);

let temp: Awaited<ReturnType<typeof tempDir>>;
let s3: Awaited<ReturnType<typeof startTestS3>>;
let kafka: TestKafka;
let images: Server;
let env: Record<string, string>;
const children: ServeChild[] = [];

beforeAll(async () => {
  [temp, s3, kafka] = await Promise.all([tempDir('mars-scale-out'), startTestS3(), startTestKafka()]);
  images = createServer((req, res) => {
    readFile(path.join(SAMPLE.dir, 'images', path.basename(new URL(req.url!, 'http://x').pathname))).then(
      (body) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  const replay = await startReplayServer({ dir: SAMPLE.dir });
  env = {
    DATA_DIR: temp.dir,
    S3_ENDPOINT: s3.s3.endpoint,
    S3_ACCESS_KEY: s3.s3.accessKey,
    S3_SECRET_KEY: s3.s3.secretKey,
    S3_BUCKET: s3.store.bucket,
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_GROUP_PREFIX: uniqueName('g'),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix(),
    NASA_API_BASE_URL: replay.url,
    MARS_RAW_BASE_URL: '',
    MMGIS_BASE_URL: replay.url,
    DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1',
    // A killed renderer's job is taken over after 5 s instead of 30.
    QUEUE_LOCK_MS: '5000',
    PORT: '0',
    LOG_LEVEL: 'info',
  };
  // Frames resolved once here; each job carries its own (four frames, rendered at 160x120).
  const config = loadConfig({ ...env, DUCKDB_PATH: path.join(temp.dir, 'setup.duckdb') });
  const runtime = new Runtime(config, silentLogger);
  const warehouse = await runtime.warehouse();
  await loadSample({ config, store: await runtime.objectStore(), warehouse, logger: silentLogger });
  const imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  const frames = (await selectFrames(warehouse, SAMPLE)).slice(0, 4).map((f) => ({ ...f, imgSrc: `${imagesUrl}/images/${path.basename(f.imgSrc)}` }));
  await runtime.close();
  await replay.close();
  const queue = new Queue<RenderJobInput>(RENDER_QUEUE, { connection: { url: testRedisUrl() }, prefix: env.QUEUE_PREFIX });
  for (const requestId of REQUESTS) {
    const command = TimelapseCommandSchema.parse({ requestId, rover: SAMPLE.rover, camera: SAMPLE.camera, solStart: 394, solEnd: 394, width: 160, height: 120 });
    await queue.add('render', RenderJobSchema.parse({ command, frames, missingSols: [], metadataDeadline: new Date().toISOString() }), { ...RENDER_JOB_DEFAULTS, jobId: requestId });
  }
  await queue.close();
}, 120_000);

afterAll(async () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  images?.close();
  await kafka?.close();
  await s3?.close();
  if (env) await deletePrefix(testRedisUrl(), env.QUEUE_PREFIX!);
  await temp?.cleanup();
});

it('two render processes on one queue share 20 requests, none rendered twice, and one SIGKILLed halfway loses none', async () => {
  // An embedded DuckDB file is held by one process: each renderer keeps its lineage in a file of
  // its own here (on several machines they would share Snowflake). Redis and the store are shared.
  const warehouseOf = (name: string) => path.join(temp.dir, `${name}.duckdb`);
  const [a, b] = await Promise.all(['a', 'b'].map((name) => spawnServe({ ...env, DUCKDB_PATH: warehouseOf(name) }, ['--roles', 'timelapse-render'])));
  children.push(a!, b!);
  const queue = new Queue(RENDER_QUEUE, { connection: { url: testRedisUrl() }, prefix: env.QUEUE_PREFIX });
  try {
    while ((await queue.getJobCounts('completed')).completed < 8) await sleep(100);
    a!.child.kill('SIGKILL');
    expect((await a!.exited).signal).toBe('SIGKILL');
    for (let i = 0; i < 900 && (await queue.getJobCounts('completed')).completed < REQUESTS.length; i++) await sleep(100);
    const jobs = await Promise.all(REQUESTS.map((id) => queue.getJob(id)));
    expect(await Promise.all(jobs.map((job) => job!.getState()))).toEqual(REQUESTS.map(() => 'completed'));
    // The job the killed process had in hand was started again by the other.
    expect(jobs.filter((job) => job!.attemptsStarted > 1).length).toBeGreaterThanOrEqual(1);
  } finally {
    await queue.close();
  }
  b!.child.kill('SIGTERM');
  expect((await b!.exited).code).toBe(0);

  // One completed event per request, whichever process rendered it.
  const completed = (await kafka.readAll('timelapse-events')).map((m) => JSON.parse(m.value!)).filter((e) => e.status === 'completed');
  expect(completed.map((e) => e.requestId).sort()).toEqual(REQUESTS);

  // Both rendered a share; together every request once.
  const rendered: string[][] = [];
  for (const name of ['a', 'b']) {
    const warehouse = await DuckDbWarehouse.open(warehouseOf(name));
    try {
      rendered.push((await warehouse.query<{ request_id: string }>(`SELECT request_id FROM MARS_LINEAGE.RENDER_RUNS WHERE status = 'completed'`)).map((r) => r.request_id));
    } finally {
      await warehouse.close();
    }
  }
  expect(rendered[0]!.length).toBeGreaterThan(0);
  expect(rendered[1]!.length).toBeGreaterThan(0);
  expect([...rendered[0]!, ...rendered[1]!].sort()).toEqual(REQUESTS);
  const videos: string[] = [];
  for await (const object of s3.store.list('timelapses/')) if (object.key.endsWith('/video.mp4')) videos.push(object.key);
  expect(videos).toHaveLength(REQUESTS.length);
}, 300_000);
