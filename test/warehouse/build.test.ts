import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { loadRawObject } from '../../src/warehouse/loader.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { PHOTO_FIXTURES, cameraCounts, derivedFeedItems, envelope, fixtureJson, fixturePhotos, putEnvelope } from '../support/envelopes.ts';

describe('warehouse build on the real NASA fixtures', () => {
  let store: ObjectStore;
  let warehouse: DuckDbWarehouse;
  const closers: Array<() => Promise<void>> = [];
  const deps = () => ({ warehouse, store, logger: silentLogger });
  const count = async (sql: string, params: unknown[] = []) => Number(Object.values((await warehouse.query(sql, params))[0]!)[0]);

  beforeAll(async () => {
    const s3 = await startTestS3();
    store = s3.store;
    const tmp = await tempDir('mars-wh');
    warehouse = await DuckDbWarehouse.open(`${tmp.dir}/w.duckdb`);
    closers.push(() => warehouse.close(), s3.close, tmp.cleanup);
    for (const f of PHOTO_FIXTURES) {
      await putEnvelope(store, envelope('photos', f.rover, await fixturePhotos(f.file), { solStart: f.sol, ingestedAt: '2026-01-01T00:00:00.000Z' }));
    }
    const curiosity = (await fixtureJson('manifests/manifest_curiosity.json')) as { photo_manifest: unknown };
    const spirit = (await fixtureJson('manifests/manifest_spirit.json')) as { photo_manifest: unknown };
    await putEnvelope(store, envelope('manifests', 'curiosity', [curiosity.photo_manifest]));
    await putEnvelope(store, envelope('manifests', 'spirit', [spirit.photo_manifest]));
  });
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('gives FLAT_PHOTO_RESPONSE one row per photo with per-camera counts matching each fixture', async () => {
    const summary = await buildWarehouse(deps());
    expect(summary.load).toMatchObject({ objects: 7, loaded: 7, rejected: 0, skipped: 0, rows: 3702 + 54 + 50 + 95 + 77 + 2 });
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(await count('SELECT COUNT(*) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')).toBe(3978);
    for (const f of PHOTO_FIXTURES) {
      const rows = await warehouse.query<{ camera_name: string; n: number }>(
        'SELECT camera_name, COUNT(*) AS n FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = ? AND sol = ? GROUP BY camera_name',
        [f.rover, f.sol],
      );
      expect(Object.fromEntries(rows.map((r) => [r.camera_name, r.n]))).toEqual(cameraCounts(await fixturePhotos(f.file)));
    }
    const [first] = await warehouse.query(
      "SELECT image_id, rover_name, sol, earth_date, camera_name, camera_full_name, img_src, source, sample_type, width, height, sclk, taken_at FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE image_id = '727'",
    );
    expect(first).toEqual({
      image_id: '727',
      rover_name: 'curiosity',
      sol: 0,
      earth_date: '2012-08-06',
      camera_name: 'FHAZ',
      camera_full_name: 'Front Hazard Avoidance Camera',
      img_src: 'http://mars.jpl.nasa.gov/msl-raw-images/proj/msl/redops/ods/surface/sol/00000/opgs/edr/fcam/FRA_397502305EDR_D0010000AUT_04096M_.JPG',
      source: 'photos_api',
      sample_type: 'full',
      width: null,
      height: null,
      sclk: null,
      taken_at: null,
    });
  });

  it('gives FLAT_MANIFEST_PHOTOS one row per sol entry with matching totals, and lists the gaps', async () => {
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS WHERE rover_name = 'curiosity'")).toBe(3575);
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS WHERE rover_name = 'spirit'")).toBe(2115);
    expect(await count("SELECT SUM(total_photos) FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS WHERE rover_name = 'curiosity'")).toBe(672292);
    expect(await count("SELECT SUM(total_photos) FROM MARS_SILVER.FLAT_MANIFEST_PHOTOS WHERE rover_name = 'spirit'")).toBe(124550);
    expect(await warehouse.query("SELECT rover_name, total_photos, sol_entries FROM MARS_SILVER.FLAT_MANIFEST_RESPONSE ORDER BY rover_name")).toEqual([
      { rover_name: 'curiosity', total_photos: 672292, sol_entries: 3575 },
      { rover_name: 'spirit', total_photos: 124550, sol_entries: 2115 },
    ]);
    // Curiosity sol 0 and Spirit sol 1 are fully ingested; every other manifest sol is a gap.
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.VALIDATION_PHOTO_GAPS WHERE rover_name = 'curiosity'")).toBe(3574);
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.VALIDATION_PHOTO_GAPS WHERE rover_name = 'spirit'")).toBe(2114);
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.VALIDATION_PHOTO_GAPS WHERE (rover_name = 'curiosity' AND sol = 0) OR (rover_name = 'spirit' AND sol = 1)")).toBe(0);
    expect(await warehouse.query("SELECT sol, total_photos, ingested_photos, missing_photos FROM MARS_SILVER.VALIDATION_PHOTO_GAPS WHERE rover_name = 'curiosity' AND sol <= 2 ORDER BY sol")).toEqual([
      { sol: 1, total_photos: 16, ingested_photos: 0, missing_photos: 16 },
      { sol: 2, total_photos: 74, ingested_photos: 0, missing_photos: 74 },
    ]);
    // One contiguous run per rover: from the first sol after the ingested one to max_sol.
    expect(await warehouse.query('SELECT rover_name, sol_start, sol_end, missing_photos, reason FROM MARS_GOLD.INGESTION_PLANNING ORDER BY rover_name')).toEqual([
      { rover_name: 'curiosity', sol_start: 1, sol_end: 3919, missing_photos: 672292 - 3702, reason: 'not ingested' },
      { rover_name: 'spirit', sol_start: 2, sol_end: 2208, missing_photos: 124550 - 77, reason: 'not ingested' },
    ]);
  });

  it('changes no count when loaded and built again', async () => {
    const tables = ['MARS_SILVER.FLAT_PHOTO_RESPONSE', 'MARS_SILVER.FACT_PHOTOS', 'MARS_SILVER.FLAT_MANIFEST_PHOTOS', 'MARS_SILVER.VALIDATION_PHOTO_GAPS', 'MARS_GOLD.TIMELAPSE_CANDIDATES', 'MARS_BRONZE.RAW_PHOTO_RESPONSE'];
    const before = await Promise.all(tables.map((t) => count(`SELECT COUNT(*) FROM ${t}`)));
    const again = await buildWarehouse(deps());
    expect(again.load).toMatchObject({ objects: 7, loaded: 0, skipped: 7, rows: 0 });
    expect(again.models.find((m) => m.name === 'FLAT_PHOTO_RESPONSE')?.merged).toBe(0);
    expect(await Promise.all(tables.map((t) => count(`SELECT COUNT(*) FROM ${t}`)))).toEqual(before);
    const [anyKey] = await warehouse.query<{ object_key: string; etag: string }>('SELECT object_key, etag FROM MARS_BRONZE.LOADED_OBJECTS LIMIT 1');
    expect(await loadRawObject(deps(), { key: anyKey!.object_key, etag: anyKey!.etag })).toEqual({
      loaded: false,
      table: expect.stringMatching(/^MARS_BRONZE\./),
      rows: 0,
      reason: 'already loaded',
    });
  });

  it('gives the same rows when a sol is ingested again (new envelope, new ETag): the latest ingestion wins', async () => {
    const columns = 'image_id, rover_name, sol, earth_date, camera_name, img_src, source, sample_type';
    const before = await warehouse.query(`SELECT ${columns} FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'perseverance' AND sol = 394 ORDER BY image_id`);
    const again = await putEnvelope(store, envelope('photos', 'perseverance', await fixturePhotos('perseverance_sol394.json'), { solStart: 394, ingestedAt: '2026-02-01T00:00:00.000Z' }));
    const summary = await buildWarehouse(deps());
    expect(summary.load).toMatchObject({ loaded: 1, rows: 50 });
    expect(summary.models.find((m) => m.name === 'FLAT_PHOTO_RESPONSE')?.merged).toBe(50);
    expect(await warehouse.query(`SELECT ${columns} FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'perseverance' AND sol = 394 ORDER BY image_id`)).toEqual(before);
    expect(await count('SELECT COUNT(*) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')).toBe(3978);
    expect(await count("SELECT COUNT(DISTINCT object_key) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE rover_name = 'perseverance' AND sol = 394 AND object_key = ?", [again.key])).toBe(1);
    // Replaying the older object (a new ETag for the old envelope) does not win over the newer one.
    const old = await putEnvelope(store, envelope('photos', 'perseverance', (await fixturePhotos('perseverance_sol394.json')).slice(0, 5), { solStart: 394, ingestedAt: '2025-12-01T00:00:00.000Z' }));
    await buildWarehouse(deps());
    expect(await count("SELECT COUNT(*) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE object_key = ?", [old.key])).toBe(0);
    expect(await count('SELECT COUNT(*) FROM MARS_SILVER.FLAT_PHOTO_RESPONSE')).toBe(3978);
  });

  it('harmonises both raw-image feeds with sample type, size, clock and time taken', async () => {
    const { mars2020, msl } = await derivedFeedItems();
    await putEnvelope(store, envelope('feed', 'perseverance', mars2020, { solStart: 670, solEnd: 731, variant: 'mars2020' }));
    await putEnvelope(store, envelope('feed', 'curiosity', msl, { solStart: 670, solEnd: 731, variant: 'msl' }));
    const summary = await buildWarehouse(deps());
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    expect(
      await warehouse.query(
        "SELECT image_id, rover_name, sol, earth_date, camera_name, source, sample_type, width, height, sclk, taken_at FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE source <> 'photos_api' ORDER BY source, image_id",
      ),
    ).toEqual([
      { image_id: 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J', rover_name: 'perseverance', sol: 670, earth_date: '2023-01-08', camera_name: 'NAVCAM_LEFT', source: 'mars2020_feed', sample_type: 'full', width: 1288, height: 968, sclk: 726421425.133, taken_at: '2023-01-08 03:53:04.187' },
      { image_id: 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J_T', rover_name: 'perseverance', sol: 670, earth_date: '2023-01-08', camera_name: 'NAVCAM_LEFT', source: 'mars2020_feed', sample_type: 'thumbnail', width: 160, height: 120, sclk: 726421425.133, taken_at: '2023-01-08 03:53:04.187' },
      { image_id: 'NRF_0731_0731848568_991ECM_N0361610NCAM12731_04_195J', rover_name: 'perseverance', sol: 731, earth_date: '2023-03-11', camera_name: 'NAVCAM_RIGHT', source: 'mars2020_feed', sample_type: 'full', width: 1288, height: 968, sclk: 731848569.851, taken_at: '2023-03-11 23:26:11.688' },
      { image_id: 'NRF_0731_0731848568_991ECM_N0361610NCAM12731_04_195J_T', rover_name: 'perseverance', sol: 731, earth_date: '2023-03-11', camera_name: 'NAVCAM_RIGHT', source: 'mars2020_feed', sample_type: 'thumbnail', width: 160, height: 120, sclk: 731848569.851, taken_at: '2023-03-11 23:26:11.688' },
      { image_id: '1200000', rover_name: 'curiosity', sol: 670, earth_date: '2023-01-08', camera_name: 'NAV_LEFT_B', source: 'msl_feed', sample_type: 'full', width: 1024, height: 1024, sclk: 726421425.133, taken_at: '2023-01-08 03:53:04.187' },
      { image_id: '1200001', rover_name: 'curiosity', sol: 731, earth_date: '2023-03-11', camera_name: 'NAV_LEFT_B', source: 'msl_feed', sample_type: 'full', width: 1024, height: 1024, sclk: 731848569.851, taken_at: '2023-03-11 23:26:11.688' },
    ]);
    // Thumbnails are not timelapse frames, neither in the sol's row nor in its sequence's.
    expect(await warehouse.query("SELECT kind, rover_name, camera_name, sol, full_frames, first_taken_at FROM MARS_GOLD.TIMELAPSE_CANDIDATES WHERE rover_name = 'perseverance' AND sol = 670 ORDER BY kind")).toEqual([
      { kind: 'sequence', rover_name: 'perseverance', camera_name: 'NAVCAM', sol: 670, full_frames: 1, first_taken_at: '2023-01-08 03:53:04.187' },
      { kind: 'sol', rover_name: 'perseverance', camera_name: 'NAVCAM_LEFT', sol: 670, full_frames: 1, first_taken_at: '2023-01-08 03:53:04.187' },
    ]);
  });
  it('reads the recorded Curiosity raw_image_items response with its sample type, https URL and time taken', async () => {
    const recorded = (await fixtureJson('raw-feeds/msl_raw_image_items_sol1489.json')) as { items: unknown[] };
    await putEnvelope(store, envelope('feed', 'curiosity', recorded.items, { solStart: 1489, variant: 'msl' }));
    const summary = await buildWarehouse(deps());
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    expect(
      await warehouse.query(
        'SELECT image_id, sol, earth_date, camera_name, source, sample_type, img_src, taken_at FROM MARS_SILVER.FLAT_PHOTO_RESPONSE WHERE sol = 1489',
      ),
    ).toEqual([
      {
        image_id: '1489ML0074780020603644D01_DXXX',
        sol: 1489,
        earth_date: '2016-10-13',
        camera_name: 'MAST_LEFT',
        source: 'msl_feed',
        sample_type: 'subframe',
        img_src: 'https://mars.jpl.nasa.gov/msl-raw-images/msss/01489/mcam/1489ML0074780020603644D01_DXXX.jpg',
        taken_at: '2016-10-13 23:20:28',
      },
    ]);
  });
});
