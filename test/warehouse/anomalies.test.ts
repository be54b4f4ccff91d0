import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { ensureLineageSchema, LineageStore } from '../../src/warehouse/lineage/lineage-store.ts';
import { startTestS3 } from '../support/s3.ts';
import { mars } from '../support/mars-cli.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';
import { envelope, fixtureJson, fixturePhotos, putEnvelope } from '../support/envelopes.ts';

/**
 * MARS_GOLD.PHOTO_ANOMALIES on the real NASA responses: the recorded data alone gives exactly
 * the findings it should, and each kind appears after one change to real data.
 */
describe('PHOTO_ANOMALIES', () => {
  let store: ObjectStore;
  let warehouse: DuckDbWarehouse;
  let dbPath: string;
  let s3env: Record<string, string>;
  const closers: Array<() => Promise<void>> = [];
  const build = () => buildWarehouse({ warehouse, store, logger: silentLogger });
  const anomalies = (kind: string) =>
    warehouse.query('SELECT rover_name, sol, camera_name, expected, observed, detail FROM MARS_GOLD.PHOTO_ANOMALIES WHERE kind = ? ORDER BY rover_name, sol, camera_name', [kind]);

  beforeAll(async () => {
    const s3 = await startTestS3();
    store = s3.store;
    const tmp = await tempDir('mars-anomalies');
    dbPath = `${tmp.dir}/w.duckdb`;
    warehouse = await DuckDbWarehouse.open(dbPath);
    s3env = { S3_ENDPOINT: s3.s3.endpoint, S3_ACCESS_KEY: s3.s3.accessKey, S3_SECRET_KEY: s3.s3.secretKey, S3_BUCKET: store.bucket, DATA_DIR: tmp.dir };
    closers.push(() => warehouse.close(), s3.close, tmp.cleanup);
  });
  afterAll(async () => {
    for (const close of closers) await close();
  }, 300_000);

  it('finds the photos a sol lacks against its manifest, with both numbers, and nothing else on the recorded data', async () => {
    // Curiosity's manifest counts 3702 photos on sol 0. The photos response as a late downlink
    // would leave it: the real one without its 8 front hazcam frames.
    const manifest = (await fixtureJson('manifests/manifest_curiosity.json')) as { photo_manifest: unknown };
    await putEnvelope(store, envelope('manifests', 'curiosity', [manifest.photo_manifest]));
    const sol0 = (await fixturePhotos('curiosity_sol0.json')).filter((p) => (p.camera as { name: string }).name !== 'FHAZ');
    expect(sol0).toHaveLength(3694);
    await putEnvelope(store, envelope('photos', 'curiosity', sol0, { solStart: 0 }));
    // Real responses as recorded, for the changes below to stand out against.
    for (const [file, rover, sol] of [['perseverance_sol0.json', 'perseverance', 0], ['spirit_sol1.json', 'spirit', 1]] as const) {
      await putEnvelope(store, envelope('photos', rover, await fixturePhotos(file), { solStart: sol }));
    }

    const summary = await build();
    expect(summary.ok).toBe(true);
    expect(await warehouse.query('SELECT kind, COUNT(*) AS n FROM MARS_GOLD.PHOTO_ANOMALIES GROUP BY kind')).toEqual([{ kind: 'missing-photos', n: 1 }]);
    expect(await anomalies('missing-photos')).toEqual([
      { rover_name: 'curiosity', sol: 0, camera_name: null, expected: 3702, observed: 3694, detail: 'the manifest counts 3702 photos on this sol; 3694 are in (8 missing)' },
    ]);
    // Anomalies warn; they do not fail the build.
    const warned = summary.tests.filter((t) => t.status === 'warn').map((t) => [t.name, t.failures]);
    expect(warned).toEqual([['expression_PHOTO_ANOMALIES_no_missing_photos', 1]]);
    expect(summary.testsWarned).toBe(1);
    expect(summary.testsFailed).toBe(0);
  }, 300_000);

  it('finds a photo dated a month after its sol (one earth_date changed)', async () => {
    const photos = await fixturePhotos('perseverance_sol0.json');
    const changed = photos.map((p, i) => (i === 0 ? { ...p, earth_date: '2021-03-18' } : p));
    await putEnvelope(store, envelope('photos', 'perseverance', changed, { solStart: 0 }));
    await build();
    const camera = (photos[0]!.camera as { name: string }).name;
    expect(await anomalies('date-mismatch')).toEqual([
      {
        rover_name: 'perseverance',
        sol: 0,
        camera_name: camera,
        expected: 0,
        observed: 28,
        detail: '1 photos dated 2021-03-18, 28.0 days after landing on 2021-02-18; sol 0 is 0.0 days after it (tolerance 2.5)',
      },
    ]);
  }, 300_000);

  it('finds one img_src under two image ids (one img_src changed)', async () => {
    const photos = await fixturePhotos('spirit_sol1.json');
    const changed = photos.map((p, i) => (i === 1 ? { ...p, img_src: photos[0]!.img_src } : p));
    await putEnvelope(store, envelope('photos', 'spirit', changed, { solStart: 1 }));
    await build();
    const rows = await anomalies('duplicate-source');
    expect(rows).toHaveLength(1);
    const ids = [String(photos[0]!.id), String(photos[1]!.id)].sort();
    expect(rows[0]).toMatchObject({ rover_name: 'spirit', sol: 1, expected: 1, observed: 2 });
    expect(rows[0]!.detail).toBe(`${photos[0]!.img_src} is under 2 image ids of photos_api (${ids[0]} ... ${ids[1]})`);
  }, 300_000);

  it('finds a camera-day far from its rolling median (one sol short of photos)', async () => {
    // No recorded response holds consecutive sols of one camera, so the fortnight before sol
    // 394 is the recorded sol 394 moved to each sol (ids, URLs and UTC dates moved along; 20
    // NAVCAM_LEFT frames a sol). The one change: sol 390 came back with 2 of its 20.
    const real = await fixturePhotos('perseverance_sol394.json');
    await putEnvelope(store, envelope('photos', 'perseverance', real, { solStart: 394 }));
    const landing = Date.parse('2021-02-18T00:00:00Z');
    for (let sol = 380; sol < 394; sol++) {
      const date = new Date(landing + Math.round((sol * 88775.244) / 86400) * 86_400_000).toISOString().slice(0, 10);
      let left = 0;
      const moved = real
        .map((p) => ({ ...p, id: Number(p.id) * 1000 + sol, sol, earth_date: date, img_src: `${String(p.img_src)}?sol=${sol}` }))
        .filter((p) => sol !== 390 || ((p as Record<string, unknown>).camera as { name: string }).name !== 'NAVCAM_LEFT' || left++ < 2);
      await putEnvelope(store, envelope('photos', 'perseverance', moved, { solStart: sol }));
    }
    await build();
    expect(await anomalies('count-outlier')).toEqual([
      {
        rover_name: 'perseverance',
        sol: 390,
        camera_name: 'NAVCAM_LEFT',
        expected: 20,
        observed: 2,
        detail: '2.0 photos where the 11 sols within 7 have a median of 20.0 (18.0 robust deviations; limit 5)',
      },
    ]);
    expect(await anomalies('date-mismatch')).toHaveLength(1);
  }, 300_000);

  it('finds a downloaded original gone from the store (one object removed)', async () => {
    const file = 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png';
    const bytes = await readFile(path.join(nasaFixtures, 'images', file));
    const key = 'images/perseverance/NAVCAM_LEFT/670/NLF_0670_0726421423.png';
    await store.putBuffer(key, bytes, 'image/png');
    await ensureLineageSchema(warehouse);
    await new LineageStore(warehouse).recordImageAsset({
      imageId: 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01',
      roverName: 'perseverance',
      cameraName: 'NAVCAM_LEFT',
      sol: 670,
      sourceUrl: `https://mars.nasa.gov/mars2020-raw-images/${file}`,
      objectKey: key,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      bytes: bytes.length,
      contentType: 'image/png',
      width: 1288,
      height: 968,
      fetchedAt: '2026-01-01T00:00:00.000Z',
    });
    expect((await build()).originals).toEqual({ assets: 1, missing: 0 });
    expect(await anomalies('missing-original')).toEqual([]);

    await store.remove(key);
    expect((await build()).originals).toEqual({ assets: 1, missing: 1 });
    const [row] = await anomalies('missing-original');
    expect(row).toMatchObject({ rover_name: 'perseverance', sol: 670, camera_name: 'NAVCAM_LEFT', expected: 1, observed: 0 });
    expect(row!.detail).toMatch(/^image NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01: images\/perseverance\/NAVCAM_LEFT\/670\/NLF_0670_0726421423.png is gone from the store \(checked 20\d\d-/);
  }, 300_000);

  it('mars warehouse test reports anomalies as warnings (exit 0) and a broken key as a failure (exit 1)', async () => {
    await warehouse.close();
    const warned = await mars({ DUCKDB_PATH: dbPath, ...s3env }, 'warehouse', 'test');
    expect(warned.stderr).not.toMatch(/error/i);
    expect(warned.code).toBe(0);
    for (const name of ['no_missing_photos', 'no_count_outliers', 'no_date_mismatches', 'no_duplicate_sources', 'no_missing_originals']) {
      expect(warned.stdout).toContain(`WARN expression_PHOTO_ANOMALIES_${name} (1 row)`);
    }
    expect(warned.stdout).not.toContain('FAIL');
    expect(warned.stdout).toMatch(/\ndata tests warned: 5 \(data that looks wrong, not a failure\)\ndata tests: \d+ passed, 0 failed\n$/);

    // A finding for a rover the warehouse does not know breaks a key: that fails.
    warehouse = await DuckDbWarehouse.open(dbPath);
    await warehouse.exec("INSERT INTO MARS_GOLD.PHOTO_ANOMALIES VALUES ('sojourner', 1, NULL, 'missing-photos', 1, 0, 'no such rover')");
    await warehouse.close();
    const failed = await mars({ DUCKDB_PATH: dbPath, ...s3env }, 'warehouse', 'test');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('FAIL relationships_PHOTO_ANOMALIES_rover_name__DIM_ROVERS_rover_name (1 failing row)');
    expect(failed.stdout).toContain('WARN expression_PHOTO_ANOMALIES_no_missing_photos (2 rows)');
    expect(failed.stdout).toMatch(/\ndata tests warned: 5 \(data that looks wrong, not a failure\)\ndata tests: \d+ passed, 1 failed\n$/);
    warehouse = await DuckDbWarehouse.open(dbPath);
  }, 300_000);
});
