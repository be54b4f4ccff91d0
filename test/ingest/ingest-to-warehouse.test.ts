import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestRequest } from '../../src/timelapse/ingest-request.ts';
import { planBackfill } from '../../src/ingest/planner.ts';
import { failFirst, rateLimited, serverError } from '../../src/ingest/replay/faults.ts';
import { startReplayServer, type ReplayServer } from '../../src/ingest/replay/replay-server.ts';
import { runIngest } from '../../src/ingest/run-ingest.ts';
import { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir, uniqueName } from '../support/temp.ts';
import { allRecordings, configFor, ingestLogger, testHttpClient } from '../support/ingest.ts';

/** Ingestion feeding the real warehouse build: what `mars ingest` then `mars warehouse build` do. */
describe('ingest, then warehouse build', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  let clean: ReplayServer;
  let flaky: ReplayServer;
  let dir: string;
  let cleanup: () => Promise<void>;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    s3 = await startTestS3();
    clean = await startReplayServer({ dir: allRecordings });
    flaky = await startReplayServer({ dir: allRecordings, faults: failFirst([rateLimited('1'), serverError(500)]) });
    ({ dir, cleanup } = await tempDir('mars-ingest-wh'));
  });
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
    await clean.close();
    await flaky.close();
    await s3.close();
    await cleanup();
  });

  /** A bucket and a DuckDB file of its own: one deployment's worth of state. */
  async function deployment() {
    const store = new ObjectStore({ endpoint: s3.s3.endpoint, accessKey: s3.s3.accessKey, secretKey: s3.s3.secretKey, bucket: uniqueName('pipe') });
    await store.ensureBucket();
    const warehouse = await DuckDbWarehouse.open(path.join(dir, `${uniqueName('wh')}.duckdb`));
    closers.push(() => warehouse.close());
    const ingest = (request: IngestRequest, server = clean) =>
      runIngest(request, { config: configFor(server.url), store, http: testHttpClient({ baseDelayMs: 1 }).http, logger: ingestLogger });
    const build = async () => {
      const summary = await buildWarehouse({ warehouse, store, logger: ingestLogger });
      expect(summary.tests.filter((test) => !test.passed).map((test) => test.name)).toEqual([]);
      return summary;
    };
    const rows = <T extends Record<string, unknown>>(sql: string, params: unknown[] = []) => warehouse.query<T>(sql, params);
    return { store, warehouse, ingest, build, rows };
  }

  const cameraCounts = `SELECT camera_name, COUNT(*) AS n, COUNT(DISTINCT image_id) AS ids
    FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'curiosity' AND sol = 0 GROUP BY camera_name ORDER BY camera_name`;
  const expectedCameras = [
    { camera_name: 'CHEMCAM', n: 2, ids: 2 },
    { camera_name: 'FHAZ', n: 8, ids: 8 },
    { camera_name: 'MARDI', n: 3684, ids: 3684 },
    { camera_name: 'RHAZ', n: 8, ids: 8 },
  ];

  it('gives one FLAT_PHOTO_RESPONSE row per photo, unchanged by running both again, and the same rows through 429s and 500s', async () => {
    const first = await deployment();
    await first.ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 });
    await first.build();
    expect(await first.rows(cameraCounts)).toEqual(expectedCameras);

    // Again: sol 0 is inside the look-back window, so it is fetched and loaded a second time.
    const again = await first.ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 });
    expect(again.records).toBe(3702);
    await first.build();
    expect(await first.rows(cameraCounts)).toEqual(expectedCameras);
    expect(await first.rows('SELECT COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')).toEqual([{ n: 3702 }]);

    const second = await deployment();
    const summary = await second.ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 }, flaky);
    expect(summary.requests).toBe(3 * 149);
    await second.build();
    const all = 'SELECT image_id, rover_name, sol, camera_name, earth_date, img_src FROM MARS_SILVER.FLAT_PHOTO_RESPONSE ORDER BY image_id';
    expect(await second.rows(all)).toEqual(await first.rows(all));
  });

  it('turns a manifest into one FLAT_MANIFEST_PHOTOS row per sol and lists the sols still missing, which the planner then asks for', async () => {
    const { ingest, build, rows, warehouse } = await deployment();
    await ingest({ source: 'manifests', rover: 'curiosity' });
    await ingest({ source: 'photos', rover: 'curiosity', solStart: 0, solEnd: 0 });
    await build();
    expect(await rows("SELECT COUNT(*) AS sols, SUM(total_photos) AS photos FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS WHERE rover_name = 'curiosity'")).toEqual([
      { sols: 3575, photos: 672_292 },
    ]);
    expect(await rows("SELECT COUNT(*) AS sols, MIN(sol) AS first FROM MARS_SILVER.VALIDATION_PHOTO_GAPS WHERE rover_name = 'curiosity'")).toEqual([
      { sols: 3574, first: 1 },
    ]);
    expect(await planBackfill(warehouse, { rover: 'curiosity', maxBatches: 2, batchSize: 10, sourceFor: () => 'photos' })).toEqual([
      { source: 'photos', rover: 'curiosity', solStart: 1, solEnd: 10, force: true, priority: 'backfill' },
      { source: 'photos', rover: 'curiosity', solStart: 11, solEnd: 20, force: true, priority: 'backfill' },
    ]);
  });
});
