import { copyFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/warehouse/duckdb-warehouse.ts';
import { splitStatements } from '../../../src/warehouse/ddl-folder.ts';
import { ensureLineageSchema, LINEAGE_SQL_DIR, LineageStore } from '../../../src/warehouse/lineage/lineage-store.ts';
import type { RenderRunRecord } from '../../../src/timelapse/lineage-records.ts';
import { tempDir } from '../../support/temp.ts';

describe('lineage store', () => {
  let warehouse: DuckDbWarehouse;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    const tmp = await tempDir('mars-lineage');
    cleanup = tmp.cleanup;
    warehouse = await DuckDbWarehouse.open(path.join(tmp.dir, 'w.duckdb'));
  });
  afterAll(async () => {
    await warehouse.close();
    await cleanup();
  });

  it('splits DDL files into single statements for Snowflake', () => {
    expect(splitStatements('-- a comment\nCREATE SCHEMA X;\n\nCREATE TABLE X.T (a INT);\n-- trailing note\n')).toEqual([
      '-- a comment\nCREATE SCHEMA X',
      'CREATE TABLE X.T (a INT)',
    ]);
  });

  it('creates MARS_LINEAGE and its three tables, and can run again', async () => {
    await ensureLineageSchema(warehouse);
    await ensureLineageSchema(warehouse);
    const tables = await warehouse.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'MARS_LINEAGE' ORDER BY table_name",
    );
    expect(tables.map((t) => t.table_name)).toEqual(['IMAGE_ASSETS', 'RENDER_FRAMES', 'RENDER_RUNS']);
  });

  it('writes runs, frames and assets by key, replacing what was there', async () => {
    await ensureLineageSchema(warehouse);
    const store = new LineageStore(warehouse);
    const run: RenderRunRecord = {
      requestId: 'r1', roverName: 'Perseverance', cameraName: 'NAVCAM_LEFT', solStart: 1, solEnd: 2, parameters: { fps: 10 },
      status: 'running', error: null, startedAt: '2026-01-02T03:04:05.678Z', finishedAt: null, timings: null, framesTotal: 2,
      framesAccepted: null, videoKey: null, posterKey: null, contactKey: null, manifestKey: null, durationSeconds: null,
    };
    await store.saveRun(run, []);
    await store.saveRun({ ...run, status: 'completed', framesAccepted: 1, timings: { totalMs: 5 }, durationSeconds: 0.1, videoKey: 'v' }, [
      { requestId: 'r1', imageId: 'a', sol: 1, candidateIndex: 0, frameIndex: 0, accepted: true, reason: null, detail: null, metrics: { mean: 1.5 }, sourceUrl: 'https://mars.nasa.gov/a.jpg', objectKey: 'images/a.jpg' },
      { requestId: 'r1', imageId: 'b', sol: 2, candidateIndex: 1, frameIndex: null, accepted: false, reason: 'blurred', detail: 'soft', metrics: null, sourceUrl: 'https://mars.nasa.gov/b.jpg', objectKey: null },
    ]);
    expect(await store.getRun('r1')).toMatchObject({ status: 'completed', parameters: { fps: 10 }, timings: { totalMs: 5 }, framesAccepted: 1, videoKey: 'v', startedAt: '2026-01-02 03:04:05.678' });
    expect((await store.getFrames('r1')).map((f) => [f.imageId, f.accepted, f.frameIndex, f.reason, f.metrics])).toEqual([
      ['a', true, 0, null, { mean: 1.5 }],
      ['b', false, null, 'blurred', null],
    ]);
    expect(await warehouse.query("SELECT metrics->>'$.mean' AS mean FROM MARS_LINEAGE.RENDER_FRAMES WHERE image_id = 'a'")).toEqual([{ mean: '1.5' }]);
    expect(await store.getRun('missing')).toBeNull();

    const asset = { imageId: 'a', roverName: 'Perseverance', cameraName: 'NAVCAM_LEFT', sol: 1, sourceUrl: 'https://mars.nasa.gov/a.jpg', objectKey: 'images/a.jpg', sha256: 'x', bytes: 10, contentType: 'image/jpeg', width: 4, height: 2, fetchedAt: '2026-01-02T03:04:05.000Z' };
    await Promise.all([store.recordImageAsset(asset), store.recordImageAsset({ ...asset, sha256: 'y' })]);
    const found = await store.findImageAssets(['a', 'nope']);
    expect([...found.keys()]).toEqual(['a']);
    expect(found.get('a')?.sha256).toBe('y');
  });

  it('adds the mode, stabilisation and view columns to a RENDER_RUNS made before them, keeping its rows', async () => {
    const tmp = await tempDir('mars-lineage-old');
    const file = path.join(tmp.dir, 'old.duckdb');
    // The table as it was before modes (its own DDL file), with one completed run in it.
    const before = await DuckDbWarehouse.open(file);
    const dir = path.join(tmp.dir, 'sql');
    await mkdir(dir);
    for (const name of ['00_schema.sql', '02_render_runs.sql']) await copyFile(path.join(LINEAGE_SQL_DIR, name), path.join(dir, name));
    await ensureLineageSchema(before, dir);
    await before.exec(
      "INSERT INTO MARS_LINEAGE.RENDER_RUNS (request_id, rover_name, camera_name, sol_start, sol_end, parameters, status, started_at, frames_total) VALUES ('old-1', 'Perseverance', 'NAVCAM_LEFT', 1, 1, '{}', 'completed', '2026-01-01 00:00:00', 3)",
    );
    await before.close();
    const after = await DuckDbWarehouse.open(file);
    try {
      await ensureLineageSchema(after);
      const store = new LineageStore(after);
      const old = await store.getRun('old-1');
      expect(old).toMatchObject({ requestId: 'old-1', status: 'completed', mode: null, stabilised: null, viewParameters: null, motionVideoKey: null });
      await store.saveRun({ ...old!, requestId: 'new-1', mode: 'motion', stabilised: true, viewParameters: { stabilisation: { zoom: 1.2 } }, motionVideoKey: 'm.mp4' });
      expect(await store.getRun('new-1')).toMatchObject({ mode: 'motion', stabilised: true, viewParameters: { stabilisation: { zoom: 1.2 } }, motionVideoKey: 'm.mp4' });
      expect(await after.query("SELECT request_id FROM MARS_LINEAGE.RENDER_RUNS WHERE mode = 'motion' AND stabilised")).toEqual([{ request_id: 'new-1' }]);
    } finally {
      await after.close();
      await tmp.cleanup();
    }
  });
});
