import net from 'node:net';
import path from 'node:path';
import { Queue } from 'bullmq';
import type { Command } from 'commander';
import { startReplayServer, type ReplayServer } from '../../ingest/replay/replay-server.ts';
import { DEFAULT_DOWNLOAD_HOSTS, loadConfig } from '../../platform/config.ts';
import { errorMessage } from '../../platform/errors.ts';
import { closeAll } from '../../platform/lifecycle.ts';
import { createLogger } from '../../platform/logger.ts';
import { Runtime } from '../../workers/runtime.ts';
import { mediaPath } from '../../web/media-route.ts';
import { ROLES } from '../../workers/roles.ts';
import { MarsService } from '../../workers/service.ts';
import { RequestFollower } from '../../workers/timelapse/follow-request.ts';
import { loadSample } from '../../workers/timelapse/offline-sample.ts';
import { SAMPLE } from '../../timelapse/sample.ts';
import { RENDER_QUEUE } from '../../workers/timelapse/render-job.ts';
import { TimelapseCommandSchema } from '../../timelapse/schemas.ts';
import { TimelapseTopics } from '../../timelapse/topics.ts';
import { portOption } from '../port-option.ts';
import { createEventDisplay } from './timelapse.ts';

const STAGES = 6;
const SHUTDOWN_GRACE_MS = 10_000;
const say = (step: number, message: string) => process.stdout.write(`[${step}/${STAGES}] ${message}\n`);

/** Whether a TCP port on 127.0.0.1 is free to listen on. */
function portFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

/**
 * `mars start`: the whole product on one machine with nothing configured. It serves the bundled
 * offline sample through the replay server, ingests it, builds the warehouse, starts every role
 * of `mars serve` (embedded Kafka and object store, the machine's Redis), requests a timelapse
 * through Kafka as any user would, prints `video:` and `gallery:` URLs, and serves until Ctrl-C.
 */
export function register(program: Command): void {
  program
    .command('start')
    .description('the offline sample end to end: ingest, warehouse, a timelapse over Kafka, the gallery; serves until Ctrl-C')
    .option('--port <port>', 'gallery port (default: PORT or 8080; a free one if that is taken)')
    .action(async (options: { port?: string }) => {
      const started = performance.now();
      const portAsked = options.port === undefined ? undefined : portOption(options.port);
      const env = { ...process.env };
      let replay: ReplayServer | undefined;
      if (!env.NASA_API_BASE_URL) {
        replay = await startReplayServer({ dir: SAMPLE.dir, serveImages: true });
        env.NASA_API_BASE_URL = replay.url;
        env.MMGIS_BASE_URL ??= replay.url;
        env.MARS_RAW_BASE_URL ??= replay.url;
        // The sample's frames come from the replay server on this machine.
        env.DOWNLOAD_ALLOWED_HOSTS = `${env.DOWNLOAD_ALLOWED_HOSTS ?? DEFAULT_DOWNLOAD_HOSTS.join(',')},127.0.0.1`;
      }
      // A prefix of its own keeps the demo's queues and request records apart from a `mars serve`.
      env.QUEUE_PREFIX ??= 'mars-start';
      env.LOG_LEVEL ??= 'warn';
      const config = loadConfig(env);
      const logger = createLogger(config.logLevel);
      const runtime = new Runtime(config, logger);
      let service: MarsService | undefined;
      const shutdown = async () => {
        await closeAll([() => service?.close(), () => runtime.close(), () => replay?.close()]);
      };

      try {
        process.stdout.write(
          `mars start: ${SAMPLE.rover} ${SAMPLE.camera}, sol ${SAMPLE.solStart}: real NASA metadata, frames derived from a real Navcam image (see sample/README.md)\n`,
        );
        await runtime.answeringRedis();
        const store = await runtime.objectStore();
        const s3 = runtime.embeddedObjectStore;
        say(1, s3 ? `object store: embedded s3rver at ${s3.endpoint}, files in ${path.join(config.dataDir, 's3')}` : `object store: ${config.s3.endpoint}`);
        say(2, replay ? `NASA sources: the offline sample served by the replay server at ${replay.url}` : `NASA sources: ${config.nasa.apiBaseUrl}`);
        const warehouse = await runtime.warehouse();
        const { ingests, build } = await loadSample({
          config,
          store,
          warehouse,
          logger,
          onStage: (message) => say(3, message),
        });
        say(
          4,
          `warehouse (${config.warehouse.kind === 'duckdb' ? config.warehouse.duckdbPath : 'Snowflake'}): ` +
            `${ingests.reduce((n, i) => n + i.records, 0)} records ingested, ${build.load.loaded} objects loaded, ` +
            `${build.models.length} models built, data tests ${build.testsPassed} passed / ${build.testsFailed} failed`,
        );

        const port = portAsked !== undefined ? portAsked : (await portFree(config.port, config.httpHost)) ? config.port : 0;
        // Leftover render jobs of an earlier, interrupted start point at a replay server that is gone.
        const leftovers = new Queue(RENDER_QUEUE, { connection: runtime.redis(), prefix: config.queues.prefix });
        await leftovers.obliterate({ force: true });
        await leftovers.close();
        service = new MarsService({ config, logger, runtime, port });
        await service.start();
        const gallery = `${service.http.url}/`;
        say(5, `service: Kafka ${config.kafka.brokers ? config.kafka.brokers.join(',') : `embedded at ${runtime.kafkaBrokers?.join(',')}`}, Redis ${config.redisUrl}, roles ${ROLES.map((d) => d.name).join(', ')}`);

        const command = TimelapseCommandSchema.parse({
          requestId: `sample-${new Date().toISOString().replace(/[-:.TZ]/g, '').slice(0, 14)}`,
          rover: SAMPLE.rover,
          camera: SAMPLE.camera,
          solStart: SAMPLE.solStart,
          solEnd: SAMPLE.solEnd,
          requestedBy: 'mars start',
        });
        const display = createEventDisplay();
        const follower = new RequestFollower(await runtime.kafka(), command.requestId, { onEvent: (e) => display.show(e) });
        await follower.ready;
        await (await runtime.producer()).publish(TimelapseTopics.commands, command, command.requestId);
        say(6, `timelapse: published request ${command.requestId} to ${TimelapseTopics.commands.name}; rendering`);
        const final = await follower.wait(10 * 60_000).finally(() => follower.close());
        display.stop();
        if (final.status === 'failed') throw new Error(`the sample's timelapse failed: ${final.reason}`);
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        process.stdout.write(
          `timelapse ready in ${seconds} s: ${final.framesAccepted} frames used, ${final.framesRejected} rejected (see the run page for why)\n` +
            `video: ${service.http.url}${mediaPath(final.keys.video)}\n` +
            `gallery: ${gallery}\n` +
            `Serving until Ctrl-C. Request another from a second terminal with:\n` +
            `  KAFKA_BROKERS=${runtime.kafkaBrokers?.join(',')} QUEUE_PREFIX=${config.queues.prefix} npx mars timelapse request --rover ${SAMPLE.rover} --camera ${SAMPLE.camera} --sols ${SAMPLE.solStart} --fps 5 --wait\n`,
        );
      } catch (error) {
        process.stderr.write(`mars start: ${errorMessage(error)}\n`);
        await shutdown().catch(() => undefined);
        process.exitCode = 1;
        return;
      }

      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      process.stdout.write('stopping…\n');
      // Ctrl-C reaches the whole process group, so the embedded Kafka may already be gone and
      // its clients would retry it for a long time: give the orderly stop a bound.
      const bounded = await Promise.race([
        shutdown().then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), SHUTDOWN_GRACE_MS).unref()),
      ]);
      process.stdout.write(bounded ? 'stopped.\n' : `stopped (some parts did not close within ${SHUTDOWN_GRACE_MS / 1000} s).\n`);
      process.exit(0);
    });
}
