import path from 'node:path';
import { HttpClient } from '../../src/ingest/http-client.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { runIngest } from '../../src/ingest/run-ingest.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { closeAll } from '../../src/platform/lifecycle.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { Runtime } from '../../src/workers/runtime.ts';
import type { RoleDefinition } from '../../src/workers/role.ts';
import { MarsService } from '../../src/workers/service.ts';
import type { FinalEvent } from '../../src/workers/timelapse/follow-request.ts';
import { loadSample } from '../../src/workers/timelapse/offline-sample.ts';
import { SAMPLE } from '../../src/timelapse/sample.ts';
import { timelapseRenderRole } from '../../src/workers/timelapse/render-role.ts';
import { galleryRole, timelapseCommandsRole } from '../../src/workers/timelapse/roles.ts';
import { TimelapseEventSchema, type TimelapseEvent } from '../../src/timelapse/schemas.ts';
import { TimelapseTopics } from '../../src/timelapse/topics.ts';
import { startTestKafka, type TestKafka } from './kafka.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from './redis.ts';
import { tempDir, uniqueName } from './temp.ts';

/** Sols next to the sample's that are ingested but hold no photos (the replay server answers `[]`). */
export const EMPTY_SOLS = { solStart: 390, solEnd: 393 };

export interface TimelapseHarness {
  dir: string;
  env: Record<string, string>;
  config: Config;
  runtime: Runtime;
  service: MarsService;
  kafka: TestKafka;
  replay: ReplayServer;
  /** Sends a command as raw JSON, as any producer could. */
  sendCommand(command: unknown): Promise<void>;
  /**
   * Sends a command and waits for its final event (by default the first completed/failed one;
   * `repeat` waits for the answer to a repeated request), collecting every event of the request.
   */
  request(command: { requestId: string } & Record<string, unknown>, options?: { repeat?: boolean }): Promise<{ final: FinalEvent; events: TimelapseEvent[] }>;
  close(): Promise<void>;
}

/**
 * The timelapse roles on real parts: the embedded s3rver (whose events the s3-events role
 * forwards, as with `mars start`), librdkafka's mock cluster, the machine's Redis
 * (a unique prefix), a DuckDB file, ffmpeg, and the offline sample served by the replay server,
 * ingested and built into the warehouse as `mars start` does.
 */
export interface HarnessOptions {
  /** Roles to run. Default: the timelapse roles and the gallery. */
  roles?: RoleDefinition[];
  /** Extra variables. */
  env?: Record<string, string>;
  /** Default true: ingest the sample and build the warehouse before the service starts. */
  preload?: boolean;
  /** More recordings for the replay server, ahead of the sample. */
  replayDirs?: string[];
  /** Serve photo metadata from the raw-image feeds only (MARS_RAW_BASE_URL), with no classic mirror set. */
  feedsOnly?: boolean;
}

export async function startTimelapseHarness(options: HarnessOptions = {}): Promise<TimelapseHarness> {
  const temp = await tempDir('mars-timelapse');
  const kafka = await startTestKafka();
  const replay = await startReplayServer({ dir: [...(options.replayDirs ?? []), SAMPLE.dir], serveImages: true });
  const env: Record<string, string> = {
    KAFKA_BROKERS: kafka.brokers.join(','),
    KAFKA_GROUP_PREFIX: uniqueName('group'),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    REDIS_URL: testRedisUrl(),
    QUEUE_PREFIX: uniquePrefix(),
    DATA_DIR: temp.dir,
    DUCKDB_PATH: path.join(temp.dir, 'warehouse.duckdb'),
    // The classic mirror only, as most of these tests were written for, unless feeds only are asked for.
    NASA_API_BASE_URL: options.feedsOnly ? '' : replay.url,
    MARS_RAW_BASE_URL: options.feedsOnly ? replay.url : '',
    MMGIS_BASE_URL: replay.url,
    DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...options.env,
  };
  const config = loadConfig(env);
  const runtime = new Runtime(config, silentLogger);
  if (options.preload !== false) {
    const store = await runtime.objectStore();
    const warehouse = await runtime.warehouse();
    const http = HttpClient.fromConfig(config, silentLogger);
    await runIngest({ source: 'photos', rover: SAMPLE.rover, ...EMPTY_SOLS }, { config, store, http, logger: silentLogger });
    await http.close();
    await loadSample({ config, store, warehouse, logger: silentLogger });
  }

  const service = new MarsService({
    config,
    logger: silentLogger,
    runtime,
    definitions: options.roles ?? [timelapseCommandsRole, timelapseRenderRole, galleryRole],
    port: 0,
  });
  await service.start();

  const collector = await collectEvents(kafka);
  const sendCommand = (command: unknown) =>
    kafka.send('timelapse-commands', [JSON.stringify(command)], (command as { requestId?: string }).requestId);

  return {
    dir: temp.dir,
    env,
    config,
    runtime,
    service,
    kafka,
    replay,
    sendCommand,
    async request(command, options = {}) {
      const isFinal = (e: TimelapseEvent): e is FinalEvent =>
        e.requestId === command.requestId && (e.status === 'completed' || e.status === 'failed') && (e.repeat === true) === (options.repeat === true);
      const final = collector.waitFor(isFinal);
      await sendCommand(command);
      const event = await waitAtMost(final, 120_000, `the final event of ${command.requestId}`);
      return { final: event, events: collector.events.filter((e) => e.requestId === command.requestId) };
    },
    close: () =>
      closeAll([
        () => collector.close(),
        () => service.close(),
        () => runtime.close(),
        () => replay.close(),
        () => kafka.close(),
        () => deletePrefix(testRedisUrl(), env.QUEUE_PREFIX!),
        () => temp.cleanup(),
      ]),
  };
}

async function waitAtMost<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every timelapse event, read by one consumer for the whole test file, with waiters on them. */
async function collectEvents(kafka: TestKafka) {
  const events: TimelapseEvent[] = [];
  const waiters: Array<{ test: (e: TimelapseEvent) => boolean; resolve: (e: TimelapseEvent) => void }> = [];
  const consumer = kafka.kafka.consumer({ groupId: uniqueName('events'), sessionTimeout: 6000, heartbeatInterval: 500 });
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topic: TimelapseTopics.events.name, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = TimelapseEventSchema.parse(JSON.parse(message.value!.toString('utf8')));
      events.push(event);
      for (const waiter of waiters.filter((w) => w.test(event))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(event);
      }
    },
  });
  await joined;
  return {
    events,
    waitFor<T extends TimelapseEvent>(test: (e: TimelapseEvent) => e is T): Promise<T> {
      return new Promise((resolve) => waiters.push({ test, resolve: resolve as (e: TimelapseEvent) => void }));
    },
    close: () => consumer.disconnect(),
  };
}
