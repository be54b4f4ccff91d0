import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { MinioEventSchema } from '../../src/timelapse/minio-event.ts';
import { DeadLetterSchema } from '../../src/timelapse/topics.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { Runtime } from '../../src/workers/runtime.ts';
import { PIPELINE_ROLES } from '../../src/workers/roles.ts';
import { MarsService } from '../../src/workers/service.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { nasaFixtures, tempDir, uniqueName } from '../support/temp.ts';
import { cameraCountsSql, queryService, waitFor } from '../support/service.ts';

/** Photos per camera in a recorded classic-API response, sorted by camera. */
async function fixtureCounts(file: string): Promise<Array<{ camera: string; n: number; ids: number }>> {
  const { photos } = JSON.parse(await readFile(path.join(nasaFixtures, 'photos', file), 'utf8')) as { photos: Array<{ id: number; camera: { name: string } }> };
  const counts = new Map<string, Set<number>>();
  for (const photo of photos) counts.set(photo.camera.name, (counts.get(photo.camera.name) ?? new Set()).add(photo.id));
  return [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([camera, ids]) => ({ camera, n: ids.size, ids: ids.size }));
}

describe('mars serve in-process: Kafka → BullMQ → raw objects → Bronze → Silver/Gold', () => {
  let kafka: TestKafka;
  let replay: ReplayServer;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let runtime: Runtime;
  let service: MarsService;
  let url: string;
  const prefix = uniquePrefix();
  const redisUrl = testRedisUrl();

  const runner = () => service.describe().parts as Record<string, { runs: number; requests: number; running: boolean; scheduled: boolean }>;
  const settled = () =>
    waitFor('the model runner to settle', async () => {
      const r = runner()['model-runner']!;
      return !r.running && !r.scheduled ? r : undefined;
    });

  beforeAll(async () => {
    [kafka, replay, temp] = await Promise.all([startTestKafka(), startReplayServer({ dir: nasaFixtures }), tempDir('mars-backbone')]);
    const config = loadConfig({
      DATA_DIR: temp.dir,
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_GROUP_PREFIX: uniqueName('g'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      KAFKA_HANDLER_ATTEMPTS: '2',
      NASA_API_BASE_URL: replay.url,
      // The classic mirror only, as these tests were written for; the feeds are tested on their own.
      MARS_RAW_BASE_URL: '',
      REDIS_URL: redisUrl,
      QUEUE_PREFIX: prefix,
      INGEST_BACKOFF_MS: '50',
      MODEL_DEBOUNCE_MS: '300',
      PLANNER_WINDOW_SOLS: '0',
      PORT: '0',
    });
    runtime = new Runtime(config, silentLogger);
    service = new MarsService({ config, logger: silentLogger, runtime, roles: PIPELINE_ROLES });
    await service.start();
    url = service.http.url;
    await settled();
  });

  afterAll(async () => {
    await service?.close();
    await runtime?.close();
    await Promise.all([kafka?.close(), replay?.close(), deletePrefix(redisUrl, prefix)]);
    await temp?.cleanup();
  });

  it('describes on /api/status the dependencies the process started, the producer first', async () => {
    const status = (await (await fetch(`${url}/api/status`)).json()) as { dependencies: Record<string, unknown> };
    expect(Object.keys(status.dependencies)[0]).toBe('kafka-producer');
    expect(Object.keys(status.dependencies).sort()).toEqual(['embedded-s3', 'kafka-producer', 'object-store', 'redis', 'warehouse']);
    expect(status.dependencies.redis).toEqual({ url: new URL(redisUrl).href, status: 'ready' });
  });

  it('answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ready: true, roles: ['s3-events', 'loader', 'models', 'scheduler', 'ingest', 'query-api'] });
    const metrics = await fetch(`${url}/metrics`);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await metrics.text();
    expect(text).toContain('# TYPE mars_messages_consumed_total counter');
    expect(text).toContain('# TYPE mars_jobs gauge');
    expect(text).toMatch(/mars_jobs\{queue="ingest-photos",state="waiting"\} 0/);
  });

  it('turns one scheduling command into the photo rows of that sol in Silver and Gold, with nothing left to do', async () => {
    await kafka.send('ingestion-scheduling', [JSON.stringify({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 })]);
    const expected = await fixtureCounts('curiosity_sol0.json');
    const rows = await waitFor('curiosity sol 0 in FLAT_PHOTO_RESPONSE', async () => {
      const got = await queryService(url, cameraCountsSql('curiosity', 0));
      return got.reduce((sum, r) => sum + Number(r.n), 0) === 3702 ? got : undefined;
    });
    expect(rows).toEqual(expected);
    await settled();
    const gold = await queryService(url, `SELECT photos FROM MARS_GOLD.DAILY_ACTIVITY WHERE rover_name = 'curiosity' AND sol = 0`);
    expect(gold).toEqual([{ photos: 3702 }]);
    // The object's event reached minio-events in MinIO's format.
    const events = (await kafka.readTopic('minio-events', 1)).map((m) => MinioEventSchema.parse(JSON.parse(m.value!)));
    expect(events[0]!.EventName).toMatch(/^s3:ObjectCreated:/);
    expect(events[0]!.Key).toMatch(/^mars\/raw\/photos\/curiosity\/sol-0-0\/\d{8}T\d{9}Z\.json$/);
    const jobs = await (await fetch(`${url}/metrics`)).text();
    expect(jobs).toMatch(/mars_jobs\{queue="ingest-photos",state="active"\} 0/);
    expect(jobs).toMatch(/mars_jobs\{queue="ingest-photos",state="waiting"\} 0/);
  });

  it('the same command again, and again with force, leaves the same rows', async () => {
    const before = await queryService(url, cameraCountsSql('curiosity', 0));
    const buildsBefore = runner()['model-runner']!.runs;
    await kafka.send('ingestion-scheduling', [
      JSON.stringify({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 }),
      JSON.stringify({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0, force: true }),
    ]);
    // The forced one writes a second raw object, loaded and built like the first.
    await waitFor('the re-ingested object in Bronze', async () => {
      const [row] = await queryService(url, `SELECT COUNT(*) AS n FROM MARS_BRONZE.LOADED_OBJECTS WHERE object_key LIKE 'raw/photos/curiosity/sol-0-0/%'`);
      return Number(row!.n) === 2 ? true : undefined;
    });
    await waitFor('a build after it', async () => (runner()['model-runner']!.runs > buildsBefore ? true : undefined));
    await settled();
    expect(await queryService(url, cameraCountsSql('curiosity', 0))).toEqual(before);
    // The unforced repeat was recognised as done: no third object.
    const [objects] = await queryService(url, `SELECT COUNT(*) AS n FROM MARS_BRONZE.LOADED_OBJECTS`);
    expect(Number(objects!.n)).toBe(2);
    const [bronze] = await queryService(url, `SELECT COUNT(*) AS n FROM MARS_BRONZE.RAW_PHOTO_RESPONSE`);
    expect(Number(bronze!.n)).toBe(2 * 3702);
  });

  it('dead-letters malformed messages of every kind on every consumed topic and keeps consuming', async () => {
    const bad: Array<[string, string | null, string]> = [
      ['ingestion-scheduling', 'not json', 'invalid-json'],
      ['ingestion-scheduling', JSON.stringify({ source: 'photos', rover: 'pathfinder', solStart: 1 }), 'invalid-schema'],
      ['ingestion-scheduling', JSON.stringify({ source: 'photos', rover: 'curiosity' }), 'invalid-schema'],
      ['ingestion-scheduling', null, 'invalid-json'],
      ['minio-events', '{"EventName":', 'invalid-json'],
      ['minio-events', JSON.stringify({ EventName: 's3:ObjectCreated:Put', Key: 'mars/x', Records: [] }), 'invalid-schema'],
      ['warehouse-load-complete', '[1,2', 'invalid-json'],
      ['warehouse-load-complete', JSON.stringify({ key: 'raw/x.json' }), 'invalid-schema'],
    ];
    for (const [topic, value] of bad) await kafka.send(topic, [value], 'bad');
    // A valid command after the bad ones is still processed.
    await kafka.send('ingestion-scheduling', [JSON.stringify({ source: 'photos', rover: 'perseverance', solStart: 394, solEnd: 394 })], 'bad');
    const letters = (await kafka.readTopic('dead-letter', bad.length)).map((m) => DeadLetterSchema.parse(JSON.parse(m.value!)));
    const summary = letters.map((l) => [l.topic, l.value, l.reason]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    expect(summary).toEqual(bad.map(([t, v, r]) => [t, v, r]).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))));
    const schemaLetter = letters.find((l) => l.value?.includes('pathfinder'))!;
    expect(schemaLetter.detail).toMatch(/^rover: expected one of curiosity, perseverance, opportunity, spirit/);
    expect(schemaLetter.consumer).toMatch(/-scheduler$/);
    const rows = await waitFor('perseverance sol 394 in FLAT_PHOTO_RESPONSE', async () => {
      const got = await queryService(url, cameraCountsSql('perseverance', 394));
      return got.reduce((sum, r) => sum + Number(r.n), 0) === 50 ? got : undefined;
    });
    expect(rows).toEqual(await fixtureCounts('perseverance_sol394.json'));
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toContain('mars_dead_lettered_total{topic="minio-events",reason="invalid-schema"} 1');
    expect(metrics).toContain('mars_dead_lettered_total{topic="ingestion-scheduling",reason="invalid-json"} 2');
    expect(metrics).toMatch(/mars_consumer_lag\{topic="ingestion-scheduling",partition="\d"\} 0/);
    expect(metrics).toMatch(/mars_stage_duration_seconds_count\{stage="build",outcome="ok"\} [1-9]/);
  });

  it('coalesces a burst of 100 load-complete messages into at most two model runs', async () => {
    await settled();
    const before = runner()['model-runner']!;
    const at = new Date().toISOString();
    await kafka.send(
      'warehouse-load-complete',
      Array.from({ length: 100 }, (_, i) => JSON.stringify({ key: `raw/photos/curiosity/sol-0-0/burst-${i}.json`, etag: 'e', loaded: false, table: null, rows: 0, at })),
    );
    await waitFor('all 100 requests', async () => (runner()['model-runner']!.requests >= before.requests + 100 ? true : undefined));
    const after = await settled();
    expect(after.requests - before.requests).toBe(100);
    expect(after.runs - before.runs).toBeGreaterThanOrEqual(1);
    expect(after.runs - before.runs).toBeLessThanOrEqual(2);
  });

  it('refuses statements that write through the query API', async () => {
    const response = await fetch(`${url}/api/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'DROP TABLE MARS_SILVER.FLAT_PHOTO_RESPONSE' }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: string }).error).toMatch(/^only read-only statements/);
  });
});
