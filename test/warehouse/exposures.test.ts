import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/platform/logger.ts';
import type { ObjectStore } from '../../src/platform/object-store/object-store.ts';
import { buildWarehouse } from '../../src/warehouse/build-warehouse.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { selectFrames } from '../../src/warehouse/selection/select-frames.ts';
import { WarehouseGalleryData } from '../../src/web/gallery-data.ts';
import { startTestS3 } from '../support/s3.ts';
import { fixturesDir, tempDir } from '../support/temp.ts';
import { envelope, fixtureJson, fixturePhotos, putEnvelope } from '../support/envelopes.ts';

/**
 * One row per exposure and the camera vocabulary, on real NASA file names: the classic API's
 * Curiosity sol 0, Spirit sol 1 and Perseverance sol 394, the recorded Curiosity raw_image_items
 * item, and the feed responses derived from the same photos (test/fixtures/replay/feeds/).
 */
async function derivedFeed(variant: 'msl' | 'mars2020', sol: number): Promise<unknown[]> {
  const json = JSON.parse(await readFile(path.join(fixturesDir, 'replay', 'feeds', variant, `sol${sol}.json`), 'utf8')) as Record<string, unknown[]>;
  return json[variant === 'msl' ? 'items' : 'images']!;
}

interface Built {
  warehouse: DuckDbWarehouse;
  store: ObjectStore;
}

type Step = (store: ObjectStore) => Promise<unknown>;

const classicCuriosity: Step = async (store) => putEnvelope(store, envelope('photos', 'curiosity', await fixturePhotos('curiosity_sol0.json'), { solStart: 0 }));
const feedCuriosity: Step = async (store) => putEnvelope(store, envelope('feed', 'curiosity', await derivedFeed('msl', 0), { solStart: 0, variant: 'msl' }));
const classicPerseverance: Step = async (store) =>
  putEnvelope(store, envelope('photos', 'perseverance', await fixturePhotos('perseverance_sol394.json'), { solStart: 394 }));
const feedPerseverance: Step = async (store) =>
  putEnvelope(store, envelope('feed', 'perseverance', await derivedFeed('mars2020', 394), { solStart: 394, variant: 'mars2020' }));

describe('one row per exposure, whatever the order the sources arrive in', () => {
  const closers: Array<() => Promise<void>> = [];
  const built: Built[] = [];

  /** A fresh warehouse built after each group of steps in turn. */
  async function buildInOrder(groups: Step[][]): Promise<Built> {
    const s3 = await startTestS3();
    const tmp = await tempDir('mars-exposures');
    const warehouse = await DuckDbWarehouse.open(path.join(tmp.dir, 'w.duckdb'));
    closers.push(() => warehouse.close(), s3.close, tmp.cleanup);
    for (const group of groups) {
      for (const step of group) await step(s3.store);
      const summary = await buildWarehouse({ warehouse, store: s3.store, logger: silentLogger });
      expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
    }
    return { warehouse, store: s3.store };
  }

  const factRows = (b: Built) =>
    b.warehouse.query(
      `SELECT image_id, source, rover_name, camera_name, camera_family, eye, sol, sample_type, is_full, img_src, image_stem, photos_api_id, feed_image_id, sequence_id
         FROM MARS_SILVER.FACT_PHOTOS ORDER BY rover_name, image_stem, image_id`,
    );

  beforeAll(async () => {
    built.push(await buildInOrder([[classicCuriosity, classicPerseverance], [feedCuriosity, feedPerseverance]]));
    built.push(await buildInOrder([[feedCuriosity, feedPerseverance], [classicCuriosity, classicPerseverance]]));
  }, 600_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it('keeps one row per file-name stem, with both ids and the full-resolution URL', async () => {
    const [first] = built;
    const counts = await first!.warehouse.query(
      `SELECT rover_name, COUNT(*) AS n, COUNT(photos_api_id) AS classic, COUNT(feed_image_id) AS feed, COUNT(DISTINCT image_stem) AS stems
         FROM MARS_SILVER.FACT_PHOTOS GROUP BY rover_name ORDER BY rover_name`,
    );
    // Curiosity: 3702 classic photos, 18 of them also in the feed; Perseverance: 50 in both.
    expect(counts).toEqual([
      { rover_name: 'curiosity', n: 3702, classic: 3702, feed: 18, stems: 3702 },
      { rover_name: 'perseverance', n: 50, classic: 50, feed: 50, stems: 50 },
    ]);
    const [navcam] = await first!.warehouse.query(
      `SELECT image_id, source, camera_name, camera_family, eye, img_src, photos_api_id, feed_image_id, sequence_id FROM MARS_SILVER.FACT_PHOTOS
        WHERE image_stem = 'NLF_0394_0701921329_862ECM_N0170000NCAM02394_01_185J01'`,
    );
    expect(navcam).toEqual({
      image_id: 'NLF_0394_0701921329_862ECM_N0170000NCAM02394_01_185J',
      source: 'mars2020_feed',
      camera_name: 'NAVCAM_LEFT',
      camera_family: 'NAVCAM',
      eye: 'left',
      img_src: 'https://mars.nasa.gov/mars2020-raw-images/pub/ods/surface/sol/00394/ids/edr/browse/ncam/NLF_0394_0701921329_862ECM_N0170000NCAM02394_01_185J01_1200.jpg',
      photos_api_id: expect.any(String),
      feed_image_id: 'NLF_0394_0701921329_862ECM_N0170000NCAM02394_01_185J',
      sequence_id: 'NCAM02394',
    });
    expect(
      await first!.warehouse.query(
        `SELECT rover_name, camera_name, camera_family, eye, kind FROM MARS_SILVER.DIM_CAMERAS
          WHERE camera_name IN ('FHAZ', 'FHAZ_LEFT_A', 'FHAZ_RIGHT_A', 'NAVCAM', 'NAVCAM_LEFT', 'NAVCAM_RIGHT') ORDER BY rover_name, camera_name`,
      ),
    ).toEqual([
      { rover_name: 'curiosity', camera_name: 'FHAZ', camera_family: 'FHAZ', eye: null, kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'FHAZ_LEFT_A', camera_family: 'FHAZ', eye: 'left', kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'FHAZ_RIGHT_A', camera_family: 'FHAZ', eye: 'right', kind: 'instrument' },
      { rover_name: 'perseverance', camera_name: 'NAVCAM', camera_family: 'NAVCAM', eye: null, kind: 'family' },
      { rover_name: 'perseverance', camera_name: 'NAVCAM_LEFT', camera_family: 'NAVCAM', eye: 'left', kind: 'instrument' },
      { rover_name: 'perseverance', camera_name: 'NAVCAM_RIGHT', camera_family: 'NAVCAM', eye: 'right', kind: 'instrument' },
    ]);
  });

  it('gives the same rows and the same frames in either order', async () => {
    const [a, b] = built;
    expect(await factRows(b!)).toEqual(await factRows(a!));
    for (const camera of ['FHAZ', 'FHAZ_RIGHT_A', 'RHAZ', 'NAVCAM_LEFT', 'NAVCAM']) {
      const rover = camera.startsWith('NAVCAM') ? 'perseverance' : 'curiosity';
      const sol = rover === 'curiosity' ? 0 : 394;
      const select = (w: Built) => selectFrames(w.warehouse, { rover, camera, solStart: sol, solEnd: sol });
      expect(await select(b!)).toEqual(await select(a!));
    }
  });

  it('renders the left eye of a family by default, full frames only, named from the feed or from NASA file names', async () => {
    const [a] = built;
    const frames = await selectFrames(a!.warehouse, { rover: 'curiosity', camera: 'FHAZ', solStart: 0, solEnd: 0 });
    // Sol 0's front hazcams: left and right, full and downsampled; only the left full frames.
    expect(frames.map((f) => [f.imageId, f.camera, f.sampleType])).toEqual([
      ['FLA_397504830EDR_F0010000AUT_04096M_', 'FHAZ_LEFT_A', 'full'],
      ['FLA_397506083EDR_F0010008AUT_04096M_', 'FHAZ_LEFT_A', 'full'],
    ]);
    const right = await selectFrames(a!.warehouse, { rover: 'curiosity', camera: 'FHAZ', solStart: 0, solEnd: 0, eye: 'right' });
    expect(right.map((f) => f.imageId)).toEqual(['FRA_397504830EDR_F0010000AUT_04096M_', 'FRA_397506083EDR_F0010008AUT_04096M_']);
  });

  it('lists sequences as timelapse candidates, suggests the longest, and selects one sequence within the sols', async () => {
    const [a, b] = built;
    const sequences = (w: Built) =>
      w.warehouse.query(
        `SELECT rover_name, camera_name, eye, sequence_id, sol_start, sol_end, full_frames, max_width, max_height
           FROM MARS_GOLD.TIMELAPSE_CANDIDATES WHERE kind = 'sequence' AND rover_name = 'perseverance' AND camera_name = 'NAVCAM'
          ORDER BY eye, sequence_id`,
      );
    // Sol 394's Navcam frames: two sequences a side, read from the real file names (…NCAM02394_…).
    const expected = [
      { rover_name: 'perseverance', camera_name: 'NAVCAM', eye: 'left', sequence_id: 'NCAM02394', sol_start: 394, sol_end: 394, full_frames: 8, max_width: null, max_height: null },
      { rover_name: 'perseverance', camera_name: 'NAVCAM', eye: 'left', sequence_id: 'NCAM03394', sol_start: 394, sol_end: 394, full_frames: 12, max_width: null, max_height: null },
      { rover_name: 'perseverance', camera_name: 'NAVCAM', eye: 'right', sequence_id: 'NCAM02394', sol_start: 394, sol_end: 394, full_frames: 8, max_width: null, max_height: null },
      { rover_name: 'perseverance', camera_name: 'NAVCAM', eye: 'right', sequence_id: 'NCAM03394', sol_start: 394, sol_end: 394, full_frames: 12, max_width: null, max_height: null },
    ];
    expect(await sequences(a!)).toEqual(expected);
    expect(await sequences(b!)).toEqual(expected);
    // Per sol, as before: one row per camera name.
    expect(
      await a!.warehouse.query(`SELECT camera_name, full_frames FROM MARS_GOLD.TIMELAPSE_CANDIDATES WHERE kind = 'sol' AND rover_name = 'perseverance' AND camera_name LIKE 'NAVCAM%' ORDER BY 1`),
    ).toEqual([
      { camera_name: 'NAVCAM_LEFT', full_frames: 20 },
      { camera_name: 'NAVCAM_RIGHT', full_frames: 20 },
    ]);

    const [first, second] = await new WarehouseGalleryData(a!.warehouse).suggestions();
    expect(first).toEqual({ rover: 'perseverance', camera: 'NAVCAM', eye: 'left', solStart: 394, solEnd: 394, frames: 12, sequenceId: 'NCAM03394' });
    expect(second).toMatchObject({ camera: 'NAVCAM', eye: 'right', sequenceId: 'NCAM03394', frames: 12 });

    const frames = await selectFrames(a!.warehouse, { rover: 'perseverance', camera: 'NAVCAM', solStart: 390, solEnd: 400, sequenceId: 'ncam02394' });
    expect(frames.map((f) => f.imgSrc.split('/').pop()!.slice(0, 8))).toEqual(Array(8).fill('NLF_0394'));
    expect(new Set(frames.map((f) => f.imgSrc.split('_')[4]))).toEqual(new Set(['N0170000NCAM02394']));
    await expect(selectFrames(a!.warehouse, { rover: 'perseverance', camera: 'NAVCAM', solStart: 394, solEnd: 394, sequenceId: 'NCAM99999' })).rejects.toThrow(
      'no full-size NAVCAM frames from perseverance in sol 394 (sequence NCAM99999)',
    );
  });
});

describe('NASA file-name conventions and the camera vocabulary, on classic-API names alone', () => {
  let warehouse: DuckDbWarehouse;
  const closers: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    const s3 = await startTestS3();
    const tmp = await tempDir('mars-names');
    warehouse = await DuckDbWarehouse.open(path.join(tmp.dir, 'w.duckdb'));
    closers.push(() => warehouse.close(), s3.close, tmp.cleanup);
    await putEnvelope(s3.store, envelope('photos', 'curiosity', await fixturePhotos('curiosity_sol0.json'), { solStart: 0 }));
    await putEnvelope(s3.store, envelope('photos', 'spirit', await fixturePhotos('spirit_sol1.json'), { solStart: 1 }));
    const recorded = (await fixtureJson('raw-feeds/msl_raw_image_items_sol1489.json')) as { items: unknown[] };
    await putEnvelope(s3.store, envelope('feed', 'curiosity', recorded.items, { solStart: 1489, variant: 'msl' }));
    const summary = await buildWarehouse({ warehouse, store: s3.store, logger: silentLogger });
    expect(summary.tests.filter((t) => !t.passed)).toEqual([]);
  }, 300_000);

  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  const names = (where: string) =>
    warehouse.query(`SELECT image_stem, name_eye, name_sample_type, name_sequence_id FROM MARS_SILVER.PHOTO_FILE_NAMES WHERE ${where} ORDER BY image_stem`);

  it('reads eye, sample type and sequence from Curiosity engineering-camera names', async () => {
    expect(await names(`rover_name = 'curiosity' AND image_stem LIKE 'F%'`)).toEqual([
      { image_stem: 'FLA_397502305EDR_D0010000AUT_04096M_', name_eye: 'left', name_sample_type: 'downsampled', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FLA_397504830EDR_F0010000AUT_04096M_', name_eye: 'left', name_sample_type: 'full', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FLA_397506068EDR_D0010008AUT_04096M_', name_eye: 'left', name_sample_type: 'downsampled', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FLA_397506083EDR_F0010008AUT_04096M_', name_eye: 'left', name_sample_type: 'full', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FRA_397502305EDR_D0010000AUT_04096M_', name_eye: 'right', name_sample_type: 'downsampled', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FRA_397504830EDR_F0010000AUT_04096M_', name_eye: 'right', name_sample_type: 'full', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FRA_397506068EDR_D0010008AUT_04096M_', name_eye: 'right', name_sample_type: 'downsampled', name_sequence_id: 'AUT_04096' },
      { image_stem: 'FRA_397506083EDR_F0010008AUT_04096M_', name_eye: 'right', name_sample_type: 'full', name_sequence_id: 'AUT_04096' },
    ]);
    expect(await names(`image_stem LIKE 'CR0%'`)).toEqual([
      { image_stem: 'CR0_397506222EDR_F0010008CCAM00000M_', name_eye: null, name_sample_type: 'full', name_sequence_id: 'CCAM00000' },
      { image_stem: 'CR0_397506434EDR_F0010008CCAM00000M_', name_eye: null, name_sample_type: 'full', name_sequence_id: 'CCAM00000' },
    ]);
    // Mastcam (MSSS names): the eye only; the recorded item's sample type comes from the feed.
    expect(await names(`image_stem LIKE '1489%'`)).toEqual([
      { image_stem: '1489ML0074780020603644D01_DXXX', name_eye: 'left', name_sample_type: null, name_sequence_id: null },
    ]);
    // MARDI has one lens and no engineering-camera name.
    expect(await names(`image_stem = '0000MD9999000001I1_DXXX'`)).toEqual([
      { image_stem: '0000MD9999000001I1_DXXX', name_eye: null, name_sample_type: null, name_sequence_id: null },
    ]);
  });

  it('reads the eye from Spirit names, whose classic NAVCAM mixes both', async () => {
    const eyes = await warehouse.query(
      `SELECT eye, COUNT(*) AS n FROM MARS_SILVER.FACT_PHOTOS WHERE rover_name = 'spirit' AND camera_name = 'NAVCAM' GROUP BY eye ORDER BY eye`,
    );
    const photos = (await fixturePhotos('spirit_sol1.json')).filter((p) => (p.camera as { name: string }).name === 'NAVCAM');
    const letter = (p: Record<string, unknown>) => /P\d{4}([LR])\d/.exec(String(p.img_src))![1];
    expect(eyes).toEqual([
      { eye: 'left', n: photos.filter((p) => letter(p) === 'L').length },
      { eye: 'right', n: photos.filter((p) => letter(p) === 'R').length },
    ]);
  });

  it('keeps only full frames as candidates where the classic API alone knows an image', async () => {
    expect(
      await warehouse.query(
        `SELECT camera_name, eye, sample_type, COUNT(*) AS n FROM MARS_SILVER.FACT_PHOTOS
          WHERE rover_name = 'curiosity' AND camera_name IN ('FHAZ', 'RHAZ') GROUP BY ALL ORDER BY ALL`,
      ),
    ).toEqual([
      { camera_name: 'FHAZ', eye: 'left', sample_type: 'downsampled', n: 2 },
      { camera_name: 'FHAZ', eye: 'left', sample_type: 'full', n: 2 },
      { camera_name: 'FHAZ', eye: 'right', sample_type: 'downsampled', n: 2 },
      { camera_name: 'FHAZ', eye: 'right', sample_type: 'full', n: 2 },
      { camera_name: 'RHAZ', eye: 'left', sample_type: 'downsampled', n: 2 },
      { camera_name: 'RHAZ', eye: 'left', sample_type: 'full', n: 2 },
      { camera_name: 'RHAZ', eye: 'right', sample_type: 'downsampled', n: 2 },
      { camera_name: 'RHAZ', eye: 'right', sample_type: 'full', n: 2 },
    ]);
    const frames = await selectFrames(warehouse, { rover: 'curiosity', camera: 'RHAZ', solStart: 0, solEnd: 0 });
    expect(frames.map((f) => f.imgSrc.split('/').pop())).toEqual(['RLA_397504876EDR_F0010000AUT_04096M_.JPG', 'RLA_397506157EDR_F0010008AUT_04096M_.JPG']);
  });

  it('maps every instrument to its family and eye in DIM_CAMERAS, and lists families a command may name', async () => {
    expect(
      await warehouse.query(`SELECT rover_name, camera_name, camera_family, eye, kind FROM MARS_SILVER.DIM_CAMERAS ORDER BY rover_name, camera_name`),
    ).toEqual([
      { rover_name: 'curiosity', camera_name: 'CHEMCAM', camera_family: 'CHEMCAM', eye: null, kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'FHAZ', camera_family: 'FHAZ', eye: null, kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'MARDI', camera_family: 'MARDI', eye: null, kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'MAST', camera_family: 'MAST', eye: null, kind: 'family' },
      { rover_name: 'curiosity', camera_name: 'MAST_LEFT', camera_family: 'MAST', eye: 'left', kind: 'instrument' },
      { rover_name: 'curiosity', camera_name: 'RHAZ', camera_family: 'RHAZ', eye: null, kind: 'instrument' },
      { rover_name: 'spirit', camera_name: 'ENTRY', camera_family: 'ENTRY', eye: null, kind: 'instrument' },
      { rover_name: 'spirit', camera_name: 'FHAZ', camera_family: 'FHAZ', eye: null, kind: 'instrument' },
      { rover_name: 'spirit', camera_name: 'NAVCAM', camera_family: 'NAVCAM', eye: null, kind: 'instrument' },
      { rover_name: 'spirit', camera_name: 'PANCAM', camera_family: 'PANCAM', eye: null, kind: 'instrument' },
      { rover_name: 'spirit', camera_name: 'RHAZ', camera_family: 'RHAZ', eye: null, kind: 'instrument' },
    ]);
  });
});
