import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchSols, planBackfill, planSolBatches, solsToFetch } from '../../src/ingest/planner.ts';
import { photoRoutes } from '../../src/ingest/source-routing.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { tempDir } from '../support/temp.ts';

describe('sol batching', () => {
  it('cuts a range into batches of at most batchSize sols', () => {
    expect(planSolBatches(0, 24, 10)).toEqual([
      { solStart: 0, solEnd: 9 },
      { solStart: 10, solEnd: 19 },
      { solStart: 20, solEnd: 24 },
    ]);
    expect(planSolBatches(7, 7, 10)).toEqual([{ solStart: 7, solEnd: 7 }]);
    expect(planSolBatches(8, 7, 10)).toEqual([]);
  });

  it('never lets a batch span a sol it does not fetch', () => {
    expect(batchSols([20, 1, 2, 3, 7, 8, 3], 2)).toEqual([
      { solStart: 1, solEnd: 2 },
      { solStart: 3, solEnd: 3 },
      { solStart: 7, solEnd: 8 },
      { solStart: 20, solEnd: 20 },
    ]);
    expect(batchSols([], 10)).toEqual([]);
  });

  it('refuses a batch size that is not a positive integer', () => {
    expect(() => planSolBatches(0, 1, 0)).toThrow('Expected a positive integer for batchSize but received 0');
  });
});

describe('solsToFetch', () => {
  const ingested = new Set(Array.from({ length: 21 }, (_, sol) => sol));

  it('skips ingested sols but fetches the last lookbackSols of them again, and every new sol', () => {
    const { fetch, skipped } = solsToFetch({ solStart: 0, solEnd: 25, ingested, lookbackSols: 3 });
    expect(skipped).toEqual(Array.from({ length: 18 }, (_, sol) => sol));
    expect(fetch).toEqual([18, 19, 20, 21, 22, 23, 24, 25]);
  });

  it('fetches everything with force, and only new sols with no look-back', () => {
    expect(solsToFetch({ solStart: 0, solEnd: 25, ingested, lookbackSols: 3, force: true }).skipped).toEqual([]);
    expect(solsToFetch({ solStart: 19, solEnd: 22, ingested, lookbackSols: 0 })).toEqual({ fetch: [21, 22], skipped: [19, 20] });
  });

  it('counts the look-back from the rover\'s highest sol, also when it lies outside the range', () => {
    const ingested = new Set([1, 2, 3]);
    expect(solsToFetch({ solStart: 0, solEnd: 3, ingested, highest: 100, lookbackSols: 3 })).toEqual({ fetch: [0], skipped: [1, 2, 3] });
    expect(solsToFetch({ solStart: 0, solEnd: 3, ingested, lookbackSols: 3 })).toEqual({ fetch: [0, 1, 2, 3], skipped: [] });
  });

  it('fetches a gap below the highest ingested sol', () => {
    const gappy = new Set([1, 2, 5, 40]);
    expect(solsToFetch({ solStart: 0, solEnd: 6, ingested: gappy, lookbackSols: 3 })).toEqual({ fetch: [0, 3, 4, 6], skipped: [1, 2, 5] });
  });
});

/** Routing as with only a classic API mirror configured. */
const classicOnly = () => 'photos' as const;

describe('planBackfill', () => {
  let warehouse: DuckDbWarehouse;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const temp = await tempDir('mars-planner');
    cleanup = temp.cleanup;
    warehouse = await DuckDbWarehouse.open(path.join(temp.dir, 'planner.duckdb'));
    // The shape MARS_GOLD.INGESTION_PLANNING has (rover_name, sol_start, sol_end, missing_photos, reason).
    await warehouse.exec(`CREATE SCHEMA MARS_GOLD;
      CREATE TABLE MARS_GOLD.INGESTION_PLANNING (rover_name VARCHAR, sol_start BIGINT, sol_end BIGINT, missing_photos BIGINT, sols BIGINT, reason VARCHAR);
      INSERT INTO MARS_GOLD.INGESTION_PLANNING VALUES
        ('curiosity', 0, 24, 500, 25, 'not ingested'),
        ('spirit', 3, 4, 900, 2, 'not ingested'),
        ('curiosity', 100, 100, 10, 1, 'partially ingested')`);
  });
  afterAll(async () => {
    await warehouse.close();
    await cleanup();
  });

  it('returns bounded, forced photo requests, biggest gaps first', async () => {
    expect(await planBackfill(warehouse, { maxBatches: 3, batchSize: 10, sourceFor: classicOnly })).toEqual([
      { source: 'photos', rover: 'spirit', solStart: 3, solEnd: 4, force: true, priority: 'backfill' },
      { source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 9, force: true, priority: 'backfill' },
      { source: 'photos', rover: 'curiosity', solStart: 10, solEnd: 19, force: true, priority: 'backfill' },
    ]);
  });

  it('asks the source routing gives first: the feed for Curiosity, nothing for Spirit without a classic mirror', async () => {
    const feedOnly = loadConfig({ MARS_RAW_BASE_URL: 'http://127.0.0.1:9' });
    const both = loadConfig({ MARS_RAW_BASE_URL: 'http://127.0.0.1:9', NASA_API_BASE_URL: 'http://127.0.0.1:8' });
    const plan = (config: Config) => planBackfill(warehouse, { maxBatches: 2, batchSize: 10, sourceFor: (rover) => photoRoutes(config, rover)[0]?.source });
    expect(await plan(feedOnly)).toEqual([
      { source: 'feed', rover: 'curiosity', solStart: 0, solEnd: 9, force: true, priority: 'backfill' },
      { source: 'feed', rover: 'curiosity', solStart: 10, solEnd: 19, force: true, priority: 'backfill' },
    ]);
    expect(await plan(both)).toEqual([
      { source: 'photos', rover: 'spirit', solStart: 3, solEnd: 4, force: true, priority: 'backfill' },
      { source: 'feed', rover: 'curiosity', solStart: 0, solEnd: 9, force: true, priority: 'backfill' },
    ]);
  });

  it('plans one rover only when asked', async () => {
    const requests = await planBackfill(warehouse, { rover: 'curiosity', maxBatches: 10, batchSize: 10, sourceFor: classicOnly });
    expect(requests.map((r) => `${r.rover} ${r.solStart}-${r.solEnd}`)).toEqual(['curiosity 0-9', 'curiosity 10-19', 'curiosity 20-24', 'curiosity 100-100']);
    expect(await planBackfill(warehouse, { maxBatches: 0, batchSize: 10, sourceFor: classicOnly })).toEqual([]);
  });
});
