import { spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { S3EventForwarder } from '../../src/platform/events/s3-event-forwarder.ts';
import { createKafkaClient } from '../../src/platform/kafka/client.ts';
import { KafkaProducer } from '../../src/platform/kafka/producer.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { PIPELINE_ROLES } from '../../src/workers/roles.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../support/redis.ts';
import { startTestS3 } from '../support/s3.ts';
import { nasaFixtures, tempDir, uniqueName } from '../support/temp.ts';
import { spawnServe } from '../support/serve-child.ts';
import { queryService, waitFor } from '../support/service.ts';

/** Every photo fixture: the rows FLAT_PHOTO_RESPONSE must end with, one per image. */
const COMMANDS = [
  { source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 },
  { source: 'photos', rover: 'perseverance', solStart: 0, solEnd: 0 },
  { source: 'photos', rover: 'perseverance', solStart: 394, solEnd: 394 },
  { source: 'photos', rover: 'opportunity', solStart: 1, solEnd: 1 },
  { source: 'photos', rover: 'spirit', solStart: 1, solEnd: 1 },
];
const EXPECTED_PHOTOS = 3702 + 54 + 50 + 95 + 77;

describe('mars serve as a process: SIGKILL mid-load, restart, SIGTERM', () => {
  let kafka: TestKafka;
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  let replay: ReplayServer;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  let producer: KafkaProducer;
  let forwarder: S3EventForwarder;
  let env: Record<string, string>;
  const prefix = uniquePrefix();
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    [kafka, s3, replay, temp] = await Promise.all([startTestKafka(), startTestS3(), startReplayServer({ dir: nasaFixtures }), tempDir('mars-serve')]);
    producer = new KafkaProducer(createKafkaClient({ brokers: kafka.brokers, clientId: 'test', logger: silentLogger }));
    // The store plays MinIO here: its events reach minio-events from outside the service, as MinIO's Kafka target does.
    forwarder = new S3EventForwarder({ source: s3.s3, producer, logger: silentLogger });
    await forwarder.start();
    env = {
      DATA_DIR: temp.dir,
      DUCKDB_PATH: path.join(temp.dir, 'warehouse.duckdb'),
      KAFKA_BROKERS: kafka.brokers.join(','),
      KAFKA_GROUP_PREFIX: uniqueName('g'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      S3_ENDPOINT: s3.s3.endpoint,
      S3_ACCESS_KEY: s3.s3.accessKey,
      S3_SECRET_KEY: s3.s3.secretKey,
      S3_BUCKET: s3.store.bucket,
      NASA_API_BASE_URL: replay.url,
      // The classic mirror only, as these tests were written for; the feeds are tested on their own.
      MARS_RAW_BASE_URL: '',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      // A killed worker's ingest jobs are taken over after 2 s instead of 30.
      QUEUE_LOCK_MS: '2000',
      MODEL_DEBOUNCE_MS: '300',
      PLANNER_WINDOW_SOLS: '0',
      PORT: '0',
      LOG_LEVEL: 'info',
    };
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await forwarder?.close();
    await producer?.close();
    await Promise.all([kafka?.close(), s3?.close(), replay?.close(), deletePrefix(testRedisUrl(), prefix)]);
    await temp?.cleanup();
  });

  it('loses and duplicates nothing across a SIGKILL mid-load, then drains on SIGTERM and exits 0', async () => {
    const first = await spawnServe(env, ['--roles', PIPELINE_ROLES.join(',')]);
    children.push(first.child);
    // Any producer will do: kcat, as an operator would.
    const published = spawnSync('kcat', ['-P', '-b', kafka.brokers[0]!, '-t', 'ingestion-scheduling'], {
      input: COMMANDS.map((c) => JSON.stringify(c)).join('\n') + '\n',
      encoding: 'utf8',
    });
    expect(published.status).toBe(0);
    // Kill at the first Bronze load: the other loads, and ingest jobs, are still in hand.
    await first.logged('raw object loaded');
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    expect((first.stderr().match(/"msg":"raw object loaded"/g) ?? []).length).toBeLessThan(COMMANDS.length);

    const second = await spawnServe(env, ['--roles', PIPELINE_ROLES.join(',')]);
    children.push(second.child);
    await waitFor(
      'every photo in FLAT_PHOTO_RESPONSE',
      async () => {
        const [row] = await queryService(second.url, 'SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE');
        return Number(row!.n) === EXPECTED_PHOTOS ? true : undefined;
      },
      90_000,
    );
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(second.stderr()).toContain('"msg":"mars serve stopped"');

    // The rows are there after the service is gone, each object loaded once, each image once.
    // (An ingest job cut short may have been run again and written a second object for its sols.)
    const objects: Array<{ key: string; records: number }> = [];
    for await (const item of s3.store.list('raw/photos/')) {
      const envelope = (await s3.store.getJson(item.key)) as { records: unknown[] };
      objects.push({ key: item.key, records: envelope.records.length });
    }
    objects.sort((a, b) => a.key.localeCompare(b.key));
    const sols = new Set(objects.map((o) => o.key.split('/').slice(2, 4).join('/')));
    expect(sols.size).toBe(COMMANDS.length);
    const warehouse = await DuckDbWarehouse.open(env.DUCKDB_PATH!);
    try {
      const ledger = await warehouse.query<{ object_key: string; n: number }>(
        `SELECT object_key, COUNT(*) AS n FROM MARS_BRONZE.LOADED_OBJECTS GROUP BY object_key ORDER BY object_key`,
      );
      expect(ledger).toEqual(objects.map((o) => ({ object_key: o.key, n: 1 })));
      const [bronze] = await warehouse.query('SELECT COUNT(*) AS n FROM MARS_BRONZE.RAW_PHOTO_RESPONSE');
      expect(Number(bronze!.n)).toBe(objects.reduce((sum, o) => sum + o.records, 0));
      const [silver] = await warehouse.query('SELECT COUNT(*) AS n, COUNT(DISTINCT image_id) AS ids FROM MARS_SILVER.FLAT_PHOTO_RESPONSE');
      expect(silver).toEqual({ n: EXPECTED_PHOTOS, ids: EXPECTED_PHOTOS });
    } finally {
      await warehouse.close();
    }
  });
});

describe('mars serve on embedded parts (KAFKA_BROKERS and S3_ENDPOINT unset)', () => {
  let replay: ReplayServer;
  let temp: Awaited<ReturnType<typeof tempDir>>;
  const prefix = uniquePrefix();
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    [replay, temp] = await Promise.all([startReplayServer({ dir: nasaFixtures }), tempDir('mars-serve-embedded')]);
  });
  afterAll(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([replay?.close(), deletePrefix(testRedisUrl(), prefix)]);
    await temp?.cleanup();
  });

  it('dead-letters bad values, then turns a kcat-published command into rows; SIGTERM exits 0', async () => {
    const serve = await spawnServe({
      DATA_DIR: temp.dir,
      NASA_API_BASE_URL: replay.url,
      // The classic mirror only, as these tests were written for; the feeds are tested on their own.
      MARS_RAW_BASE_URL: '',
      REDIS_URL: testRedisUrl(),
      QUEUE_PREFIX: prefix,
      MODEL_DEBOUNCE_MS: '300',
      PORT: '0',
      LOG_LEVEL: 'info',
    });
    child = serve.child;
    const broker = /"brokers":\["(127\.0\.0\.1:\d+)"\],"msg":"KAFKA_BROKERS unset/.exec(serve.stderr())?.[1];
    expect(broker).toBeDefined();
    const kcat = (args: string[], input?: string) => spawnSync('kcat', ['-b', broker!, ...args], { input, encoding: 'utf8', timeout: 30_000 });
    const bad = ['not json', '{"source":"photos","rover":"curiosity"}'];
    expect(kcat(['-P', '-t', 'ingestion-scheduling'], `${bad.join('\n')}\n`).status).toBe(0);
    expect(kcat(['-P', '-t', 'minio-events'], `{"EventName":\n{"EventName":"s3:ObjectCreated:Put"}\n`).status).toBe(0);
    expect(kcat(['-P', '-t', 'ingestion-scheduling'], '{"source":"photos","rover":"spirit","solStart":1,"solEnd":1}\n').status).toBe(0);

    await waitFor('spirit sol 1 in FLAT_PHOTO_RESPONSE', async () => {
      const [row] = await queryService(serve.url, `SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'spirit' AND sol = 1`);
      return Number(row!.n) === 77 ? true : undefined;
    });
    const readLetters = () =>
      kcat(['-C', '-t', 'dead-letter', '-e', '-q'])
        .stdout.trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { topic: string; reason: string; value: string })
        .map((l) => `${l.topic} ${l.reason} ${l.value}`)
        .sort();
    const letters = await waitFor('four dead letters', async () => {
      const got = readLetters();
      return got.length >= 4 ? got : undefined;
    });
    expect(letters).toEqual([
      'ingestion-scheduling invalid-json not json',
      'ingestion-scheduling invalid-schema {"source":"photos","rover":"curiosity"}',
      'minio-events invalid-json {"EventName":',
      'minio-events invalid-schema {"EventName":"s3:ObjectCreated:Put"}',
    ]);
    const health = await fetch(`${serve.url}/healthz`);
    expect(health.status).toBe(200);

    serve.child.kill('SIGTERM');
    expect(await serve.exited).toEqual({ code: 0, signal: null });
    // The embedded cluster went with the service.
    expect(kcat(['-L', '-m', '3']).status).not.toBe(0);
  });
});
