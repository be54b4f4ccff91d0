import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../../src/platform/config.ts';
import { silentLogger } from '../../../src/platform/logger.ts';
import type { ObjectStore } from '../../../src/platform/object-store/object-store.ts';
import type { Warehouse } from '../../../src/warehouse/warehouse.ts';
import { RENDER_JOB_DEFAULTS, RENDER_QUEUE } from '../../../src/workers/timelapse/render-job.ts';
import { RenderWorker } from '../../../src/workers/timelapse/render-worker.ts';
import { RequestLedger } from '../../../src/workers/timelapse/request-ledger.ts';
import type { TimelapseEvent } from '../../../src/timelapse/schemas.ts';
import { deletePrefix, testRedisUrl, uniquePrefix } from '../../support/redis.ts';

const prefix = uniquePrefix();
const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: null });
const ledger = new RequestLedger(redis, { prefix });
const events: TimelapseEvent[] = [];
let renders = 0;
const worker = new RenderWorker({
  connection: redis,
  prefix,
  render: async () => {
    renders++;
    throw new Error('a malformed job must never reach the media pipeline');
  },
  store: {} as ObjectStore,
  warehouse: {} as Warehouse,
  config: loadConfig({}),
  ledger,
  publishEvent: async (event) => {
    events.push(event);
  },
  videoUrl: async (key) => key,
  logger: silentLogger,
});
const queue = new Queue(RENDER_QUEUE, { connection: redis, prefix });
const queueEvents = new QueueEvents(RENDER_QUEUE, { connection: redis.duplicate(), prefix });

beforeAll(async () => {
  await queueEvents.waitUntilReady();
  await worker.start();
});

afterAll(async () => {
  await worker.close();
  await queueEvents.close();
  await queue.close();
  await deletePrefix(testRedisUrl(), prefix);
  redis.disconnect();
});

it('fails a render job that does not match its schema at once, and says so for its request', async () => {
  const failed = new Promise<{ jobId: string; failedReason: string }>((resolve) => queueEvents.on('failed', resolve));
  await queue.add('render', { command: { requestId: 'bad-job-1', rover: 'perseverance' }, frames: null }, { ...RENDER_JOB_DEFAULTS, jobId: 'bad-job-1' });
  const { jobId, failedReason } = await failed;
  expect(jobId).toBe('bad-job-1');
  expect(failedReason).toMatch(/^the render job does not match its schema: /);
  expect(failedReason).toContain('camera');
  const job = await queue.getJob('bad-job-1');
  expect(job?.attemptsMade).toBe(1);
  expect(renders).toBe(0);
  expect(events).toEqual([expect.objectContaining({ requestId: 'bad-job-1', status: 'failed', reason: failedReason })]);
  expect(await ledger.get('bad-job-1')).toEqual(expect.objectContaining({ state: 'failed', reason: failedReason }));
});
