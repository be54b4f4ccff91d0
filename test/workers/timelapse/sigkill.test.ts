import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startReplayServer } from '../../../src/ingest/replay/replay-server.ts';
import { loadConfig } from '../../../src/platform/config.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import { Runtime } from '../../../src/workers/runtime.ts';
import { selectFrames } from '../../../src/warehouse/selection/select-frames.ts';
import { loadSample } from '../../../src/workers/timelapse/offline-sample.ts';
import { SAMPLE } from '../../../src/timelapse/sample.ts';
import { RENDER_JOB_DEFAULTS, RENDER_QUEUE, RenderJobSchema, type RenderJobInput } from '../../../src/workers/timelapse/render-job.ts';
import { TimelapseCommandSchema } from '../../../src/timelapse/schemas.ts';
import { startTestKafka, type TestKafka } from '../../support/kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/redis.ts';
import { startTestS3 } from '../../support/s3.ts';
import { tempDir } from '../../support/temp.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const requestId = 'sigkill-1';
const prefix = `timelapses/perseverance/NAVCAM_LEFT/394-394/${requestId}/`;

let temp: Awaited<ReturnType<typeof tempDir>>;
let s3: Awaited<ReturnType<typeof startTestS3>>;
let kafka: TestKafka;
let images: Server;
let env: Record<string, string>;
const children: ChildProcess[] = [];

/** Serves the sample's frames slowly, so the first worker is surely mid-job when it is killed. */
async function startSlowImageServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const name = path.basename(decodeURIComponent(new URL(req.url!, 'http://x').pathname));
    setTimeout(() => {
      readFile(path.join(SAMPLE.dir, 'images', name)).then(
        (body) => res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': body.length }).end(body),
        () => res.writeHead(404).end(),
      );
    }, 150);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'test', 'support', 'render-worker-child.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`render worker exited with ${code} before it was ready`)));
  });
}

beforeAll(async () => {
  temp = await tempDir('mars-sigkill');
  s3 = await startTestS3();
  kafka = await startTestKafka();
  images = await startSlowImageServer();
  const replay = await startReplayServer({ dir: SAMPLE.dir });
  env = {
    S3_ENDPOINT: s3.s3.endpoint,
    S3_BUCKET: s3.store.bucket,
    KAFKA_BROKERS: kafka.brokers.join(','),
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix(),
    DATA_DIR: temp.dir,
    DUCKDB_PATH: path.join(temp.dir, 'warehouse.duckdb'),
    NASA_API_BASE_URL: replay.url,
    // The classic mirror only, as these tests were written for; the feeds are tested on their own.
    MARS_RAW_BASE_URL: '',
    MMGIS_BASE_URL: replay.url,
    DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    TEST_LOCK_MS: '3000',
    TEST_STALLED_MS: '1000',
    // The workers' scratch folders, where the test can see what a killed one leaves.
    TMPDIR: path.join(temp.dir, 'tmp'),
  };
  await mkdir(env.TMPDIR!, { recursive: true });
  // Build the warehouse and resolve the frames here, then let go of the DuckDB file: the
  // worker processes hold it while they run.
  const config = loadConfig(env);
  const runtime = new Runtime(config, silentLogger);
  const warehouse = await runtime.warehouse();
  await loadSample({ config, store: await runtime.objectStore(), warehouse, logger: silentLogger });
  const imagesUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
  const frames = (await selectFrames(warehouse, SAMPLE)).map((f) => ({ ...f, imgSrc: `${imagesUrl}/images/${path.basename(f.imgSrc)}` }));
  await runtime.close();
  await replay.close();

  const queue = new Queue<RenderJobInput>(RENDER_QUEUE, { connection: { url: testRedisUrl() }, prefix: env.QUEUE_PREFIX });
  const command = TimelapseCommandSchema.parse({ requestId, rover: SAMPLE.rover, camera: SAMPLE.camera, solStart: 394, solEnd: 394 });
  await queue.add('render', RenderJobSchema.parse({ command, frames, missingSols: [], metadataDeadline: new Date().toISOString() }), {
    ...RENDER_JOB_DEFAULTS,
    jobId: requestId,
  });
  await queue.close();
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  images?.close();
  await kafka?.close();
  await s3?.close();
  if (env) await deletePrefix(testRedisUrl(), env.QUEUE_PREFIX!);
  await temp?.cleanup();
});

it('a render worker killed mid-job is replaced, and the job publishes one video, once', async () => {
  const queue = new Queue(RENDER_QUEUE, { connection: { url: testRedisUrl() }, prefix: env.QUEUE_PREFIX });
  try {
    const first = await startWorker();
    // Kill it once the job is past its downloads, in the middle of analysis and encoding.
    let progress: unknown;
    for (let i = 0; i < 1200; i++) {
      const job = await queue.getJob(requestId);
      progress = job?.progress;
      const stage = (progress as { stage?: string } | undefined)?.stage;
      if (stage && stage !== 'download') break;
      await sleep(25);
    }
    first.kill('SIGKILL');
    await new Promise((resolve) => first.once('exit', resolve));
    const job = await queue.getJob(requestId);
    expect(await job!.getState(), `progress when killed: ${JSON.stringify(progress)}`).toBe('active');
    const scratchOf = async (pid: number | undefined) => (await readdir(env.TMPDIR!)).filter((name) => name.startsWith(`mars-render-${pid}-`));
    expect(await scratchOf(first.pid)).toHaveLength(1);

    const replacement = await startWorker();
    // The replacement removed what the killed worker left behind before taking jobs.
    expect(await scratchOf(first.pid)).toEqual([]);
    for (let i = 0; i < 600 && (await (await queue.getJob(requestId))!.getState()) !== 'completed'; i++) await sleep(100);
    const done = (await queue.getJob(requestId))!;
    expect(await done.getState()).toBe('completed');
    expect(done.attemptsStarted).toBe(2);
    replacement.kill('SIGTERM');
    await new Promise((resolve) => replacement.once('exit', resolve));

    const published: string[] = [];
    for await (const o of s3.store.list('timelapses/')) published.push(o.key);
    expect(published.sort()).toEqual([`${prefix}contact.jpg`, `${prefix}manifest.json`, `${prefix}poster.jpg`, `${prefix}video.mp4`]);

    const all = (await kafka.readAll('timelapse-events')).map((m) => JSON.parse(m.value!));
    const completed = all.filter((e) => e.status === 'completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ requestId, keys: { video: `${prefix}video.mp4` }, framesAccepted: 18 });

    const runtime = new Runtime(loadConfig(env), silentLogger);
    try {
      const warehouse = await runtime.warehouse();
      expect(await warehouse.query(`SELECT request_id, status, video_key FROM MARS_LINEAGE.RENDER_RUNS`)).toEqual([
        { request_id: requestId, status: 'completed', video_key: `${prefix}video.mp4` },
      ]);
      expect(await warehouse.query(`SELECT COUNT(*) AS n FROM MARS_LINEAGE.RENDER_FRAMES WHERE request_id = ?`, [requestId])).toEqual([{ n: 20 }]);
    } finally {
      await runtime.close();
    }
  } finally {
    await queue.close();
  }
}, 180_000);
