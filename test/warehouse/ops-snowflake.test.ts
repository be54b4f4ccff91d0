import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetter, IngestionRun } from '../../src/timelapse/topics.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { OpsStore, type BuildRecord } from '../../src/warehouse/ops/ops-store.ts';
import type { Warehouse } from '../../src/warehouse/warehouse.ts';
import { WarehousePipelineData } from '../../src/web/pipeline-data.ts';
import { TranspiledSnowflake } from '../support/transpiled-snowflake.ts';

/**
 * MARS_OPS on Snowflake: its DDL, every write of the run history and dead letters, and the
 * /pipeline page's reads of it, sent as the program sends them to Snowflake, transpiled to
 * DuckDB and run. The history must come back as the native warehouse keeps it.
 */

const run = (runId: string, status: IngestionRun['status']): IngestionRun => ({
  runId,
  source: 'photos',
  rover: 'curiosity',
  solStart: 100,
  solEnd: 109,
  status,
  attempt: 1,
  requests: 11,
  records: status === 'completed' ? 2_310 : 0,
  quarantined: 1,
  retries: 2,
  rateLimitWaits: 1,
  rateLimitWaitMs: 1_500,
  objects: status === 'completed' ? 1 : 0,
  error: status === 'failed' ? 'HTTP 503 from the mirror' : null,
  startedAt: '2026-12-01T10:00:00.000Z',
  finishedAt: status === 'completed' ? '2026-12-01T10:01:00.000Z' : '2026-12-01T10:02:00.000Z',
});

const letter: DeadLetter = {
  reason: 'invalid-schema',
  detail: 'rover: Invalid option',
  topic: 'ingestion-scheduling',
  partition: 1,
  offset: '7',
  key: null,
  value: '{"source":"photos","rover":"pluto"}',
  consumer: 'mars-scheduler',
  at: '2026-12-01T09:00:00.000Z',
};

const build: BuildRecord = {
  buildId: 'build-1',
  startedAt: '2026-12-01T11:00:00.000Z',
  finishedAt: '2026-12-01T11:00:05.000Z',
  loaded: 3,
  refused: 1,
  models: [{ name: 'FACT_PHOTOS', relation: 'MARS_SILVER.FACT_PHOTOS', materialized: 'incremental', rows: 2_310, merged: 2_310, ms: 120 }],
  tests: [
    { name: 'not_null_FACT_PHOTOS_photo_id', model: 'FACT_PHOTOS', severity: 'error', status: 'pass', passed: true, failures: 0, sample: [], sql: 'SELECT 1' },
    { name: 'accepted_values_FACT_PHOTOS_rover', model: 'FACT_PHOTOS', severity: 'warn', status: 'warn', passed: true, failures: 2, sample: [], sql: 'SELECT 1' },
  ],
  ms: 5_000,
};

async function writeHistory(warehouse: Warehouse): Promise<{ claims: unknown[] }> {
  const ops = new OpsStore(warehouse);
  // Each write twice, as a redelivered message would: still one row each.
  for (let i = 0; i < 2; i++) {
    await ops.recordIngestRun(run('ingest-photos/1/1', 'completed'));
    await ops.recordDeadLetter('dead-letter/0/3', letter);
  }
  await ops.recordIngestRun(run('ingest-photos/2/1', 'failed'));
  await ops.recordBuild(build);
  const at = new Date('2026-12-01T12:00:00.000Z');
  const claims = [await ops.claimReplay('dead-letter/0/3', 'first', at), await ops.claimReplay('dead-letter/0/3', 'second', at)];
  await ops.releaseReplay('dead-letter/0/3');
  claims.push(await ops.claimReplay('dead-letter/0/3', 'third', at));
  return { claims };
}

describe('MARS_OPS through its Snowflake rendering', () => {
  let native: DuckDbWarehouse;
  let snow: TranspiledSnowflake;

  beforeAll(async () => {
    native = await DuckDbWarehouse.open(':memory:');
    snow = await TranspiledSnowflake.over(await DuckDbWarehouse.open(':memory:'));
  });
  afterAll(async () => {
    await native?.close();
    await snow?.close();
  });

  it('creates, writes and reads the run history and dead letters as the native warehouse does', async () => {
    const [a, b] = [await writeHistory(native), await writeHistory(snow)];
    expect(a.claims).toEqual([
      { claimed: true },
      { claimed: false, replayedAt: expect.stringMatching(/^2026-12-01 12:00:00/), replayedBy: 'first' },
      { claimed: true },
    ]);
    expect(b.claims).toEqual(a.claims);
    // The DDL and the reads went the Snowflake way.
    expect(snow.statements.some((s) => s.snowflake.includes('CREATE TABLE IF NOT EXISTS MARS_OPS.INGEST_RUNS'))).toBe(true);

    const [mine, theirs] = [await new WarehousePipelineData(native).view(), await new WarehousePipelineData(snow).view()];
    for (const section of ['ingestRuns', 'builds', 'modelRuns', 'testHistory', 'deadLetters'] as const) {
      expect({ section, error: theirs[section].error }).toEqual({ section, error: undefined });
      expect({ section, rows: theirs[section].rows }).toEqual({ section, rows: mine[section].rows });
    }
    expect(mine.ingestRuns.rows.map((r) => [r.status, r.records, r.error])).toEqual([
      ['failed', 0, 'HTTP 503 from the mirror'],
      ['completed', 2_310, null],
    ]);
    expect(mine.testHistory.rows).toMatchObject([{ test_name: 'accepted_values_FACT_PHOTOS_rover', status: 'warn', failures: 2 }]);
    expect(mine.deadLetters.rows).toMatchObject([{ letterId: 'dead-letter/0/3', replayedBy: 'third' }]);
    expect(await new WarehousePipelineData(snow).fingerprint()).toBe(await new WarehousePipelineData(native).fingerprint());
  });
});
