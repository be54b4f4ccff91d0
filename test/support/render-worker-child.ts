// A render worker in a process of its own, for the test that kills one mid-job with SIGKILL.
// Configured from the environment like `mars serve`; prints "ready" once it takes jobs.
import { renderTimelapse } from '../../src/media/render-timelapse.ts';
import { loadConfig } from '../../src/platform/config.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { Runtime } from '../../src/workers/runtime.ts';
import { RenderWorker } from '../../src/workers/timelapse/render-worker.ts';
import { RequestLedger } from '../../src/workers/timelapse/request-ledger.ts';
import { eventPublisher, presignedVideoUrl } from '../../src/workers/timelapse/roles.ts';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const runtime = new Runtime(config, logger);
const store = await runtime.objectStore();
const redis = runtime.redis();
const worker = new RenderWorker({
  connection: redis,
  prefix: config.queues.prefix,
  render: renderTimelapse,
  store,
  warehouse: await runtime.warehouse(),
  config,
  ledger: new RequestLedger(redis, { prefix: config.queues.prefix }),
  publishEvent: eventPublisher(await runtime.producer()),
  videoUrl: presignedVideoUrl(store),
  logger,
  lockDurationMs: Number(process.env.TEST_LOCK_MS),
  stalledIntervalMs: Number(process.env.TEST_STALLED_MS),
});
await worker.start();
process.stdout.write('ready\n');
process.once('SIGTERM', () => {
  void worker
    .close()
    .then(() => runtime.close())
    .then(() => process.exit(0));
});
