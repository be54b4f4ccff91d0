import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/platform/config.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import { Readiness } from '../../src/workers/readiness.ts';
import { Runtime } from '../../src/workers/runtime.ts';
import { MarsService } from '../../src/workers/service.ts';
import { startTestKafka, type TestKafka } from '../support/kafka.ts';
import { OwnRedis } from '../support/redis.ts';
import { tempDir } from '../support/temp.ts';
import { waitFor } from '../support/service.ts';

describe('/readyz', () => {
  let kafka: TestKafka;
  let redis: OwnRedis;
  let runtime: Runtime;
  let service: MarsService;
  let cleanup: () => Promise<void>;
  const readyz = async () => {
    const res = await fetch(`${service.http.url}/readyz`);
    return { status: res.status, body: (await res.json()) as { ready: boolean; failing?: Array<{ part: string; reason: string }> } };
  };

  beforeAll(async () => {
    kafka = await startTestKafka();
    redis = await OwnRedis.start();
    const temp = await tempDir('mars-readyz');
    cleanup = temp.cleanup;
    runtime = new Runtime(
      loadConfig({ DATA_DIR: temp.dir, DUCKDB_PATH: path.join(temp.dir, 'w.duckdb'), REDIS_URL: redis.url, KAFKA_BROKERS: kafka.brokers.join(',') }),
      silentLogger,
    );
    service = new MarsService({
      config: runtime.config,
      logger: silentLogger,
      runtime,
      port: 0,
      readiness: { stuckAfterMs: 500 },
      // A role that holds Redis and the warehouse, as the scheduler and the loader do.
      definitions: [{ name: 'deps', description: 'opens Redis and the warehouse', create: async () => (runtime.redis(), await runtime.warehouse(), []) }],
    });
    await service.start();
  });
  afterAll(async () => {
    await service.close();
    await runtime.close();
    await redis.stop();
    await kafka.close();
    await cleanup();
  });

  it('is ready while Redis and the warehouse answer, not while Redis is down, and ready again after', async () => {
    expect(await readyz()).toEqual({ status: 200, body: { ready: true, roles: ['deps'] } });
    await redis.stop();
    const down = await waitFor('not ready', async () => ((await readyz()).status === 503 ? readyz() : undefined), 10_000);
    expect(down.body.failing).toEqual([{ part: 'redis', reason: expect.stringMatching(/^Redis connection (connecting|reconnecting|close|end)$/) }]);
    await redis.start();
    await waitFor('ready again', async () => ((await readyz()).status === 200 ? true : undefined), 30_000);
  });

  it('is not ready while the warehouse gives no answer, and ready once it does', async () => {
    const warehouse = await runtime.warehouse();
    // Holds the warehouse's connection for seconds: every other statement waits behind it.
    const long = warehouse.query('SELECT count(*) AS n FROM range(6000000000)');
    try {
      const stuck = await waitFor('not ready', async () => {
        const answer = await readyz();
        return answer.status === 503 ? answer : undefined;
      }, 20_000);
      expect(stuck.body.failing).toEqual([{ part: 'warehouse', reason: expect.stringMatching(/^no answer for \d+ s$/) }]);
    } finally {
      await long;
    }
    await waitFor('ready again', async () => ((await readyz()).status === 200 ? true : undefined), 10_000);
  }, 120_000);
});

describe('Readiness', () => {
  it('calls a silent part stuck only after the stuck time, and asks it once however often it is polled', async () => {
    let clock = 0;
    let asked = 0;
    const readiness = new Readiness(() => [{ name: 'silent', probe: () => (asked++, new Promise(() => undefined)) }], { waitMs: 10, stuckAfterMs: 30_000, now: () => clock });
    expect(await readiness.failing()).toEqual([]);
    clock = 29_000;
    expect(await readiness.failing()).toEqual([]);
    clock = 31_000;
    expect(await readiness.failing()).toEqual([{ part: 'silent', reason: 'no answer for 31 s' }]);
    expect(asked).toBe(1);
  });
});
