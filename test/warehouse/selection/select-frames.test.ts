import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbWarehouse } from '../../../src/warehouse/duckdb-warehouse.ts';
import { SelectionError, selectFrames } from '../../../src/warehouse/selection/select-frames.ts';

let warehouse: DuckDbWarehouse;

const columns = ['image_id', 'rover_name', 'camera_name', 'camera_family', 'eye', 'sol', 'img_src', 'taken_at', 'sclk', 'width', 'height', 'sample_type', 'is_full'];
const row = (id: string, over: Partial<Record<string, unknown>> = {}) => {
  const r: Record<string, unknown> = {
    image_id: id,
    rover_name: 'curiosity',
    camera_name: 'NAVCAM',
    camera_family: 'NAVCAM',
    eye: null,
    sol: 100,
    img_src: `https://mars.nasa.gov/msl/${id}.jpg`,
    taken_at: null,
    sclk: null,
    width: null,
    height: null,
    sample_type: 'full',
    is_full: true,
    ...over,
  };
  if (over.camera_name && !('camera_family' in over)) r.camera_family = over.camera_name;
  return columns.map((c) => r[c]);
};

beforeAll(async () => {
  warehouse = await DuckDbWarehouse.open(':memory:');
  await warehouse.exec(`CREATE SCHEMA MARS_SILVER;
    CREATE TABLE MARS_SILVER.FACT_PHOTOS (image_id VARCHAR, rover_name VARCHAR, camera_name VARCHAR, camera_family VARCHAR, eye VARCHAR, sol INTEGER, img_src VARCHAR,
      taken_at TIMESTAMP, sclk DOUBLE, width INTEGER, height INTEGER, sample_type VARCHAR, is_full BOOLEAN)`);
  await warehouse.insertRows('MARS_SILVER.FACT_PHOTOS', columns, [
    // Sol first; then times win over clocks, clocks over ids; numeric ids order by value (100 after 99).
    row('100'),
    row('99'),
    row('5', { sclk: 2000.5 }),
    row('6', { sclk: 1000.25, width: 1024, height: 1024 }),
    row('7', { taken_at: '2022-01-01T10:00:00', sclk: 3000 }),
    row('8', { taken_at: '2022-01-01T09:00:00', sclk: 4000 }),
    row('9', { sol: 101 }),
    // Thumbnails and other cameras never come in.
    row('10', { sample_type: 'thumbnail', is_full: false }),
    row('11', { camera_name: 'FHAZ' }),
    row('12', { sol: 140, camera_name: 'MAST' }),
    // Sol 300: a two-eyed family, left and right interleaved in time, from a feed and the classic API.
    row('L1', { sol: 300, camera_name: 'NAV_LEFT_B', camera_family: 'NAVCAM', eye: 'left', taken_at: '2022-01-02T10:00:00' }),
    row('R1', { sol: 300, camera_name: 'NAV_RIGHT_B', camera_family: 'NAVCAM', eye: 'right', taken_at: '2022-01-02T10:00:00' }),
    row('L2', { sol: 300, camera_name: 'NAV_LEFT_B', camera_family: 'NAVCAM', eye: 'left', taken_at: '2022-01-02T10:01:00' }),
    row('R2', { sol: 300, camera_name: 'NAV_RIGHT_B', camera_family: 'NAVCAM', eye: 'right', taken_at: '2022-01-02T10:01:00' }),
    row('950', { sol: 300, camera_name: 'NAVCAM', eye: 'left', taken_at: null }),
    row('951', { sol: 300, camera_name: 'NAVCAM', eye: 'right', taken_at: null }),
    row('L3', { sol: 300, camera_name: 'NAV_LEFT_B', camera_family: 'NAVCAM', eye: 'left', sample_type: 'subframe', is_full: false }),
    row('M1', { sol: 300, camera_name: 'MAHLI' }),
    row('M2', { sol: 300, camera_name: 'MAHLI' }),
  ]);
});

afterAll(async () => {
  await warehouse.close();
});

describe('selectFrames', () => {
  it('gives the full-size frames of the range in playback order', async () => {
    const frames = await selectFrames(warehouse, { rover: 'Curiosity', camera: 'navcam', solStart: 100, solEnd: 101 });
    expect(frames.map((f) => f.imageId)).toEqual(['8', '7', '6', '5', '99', '100', '9']);
    expect(frames[2]).toEqual({
      imageId: '6',
      rover: 'curiosity',
      camera: 'NAVCAM',
      sol: 100,
      imgSrc: 'https://mars.nasa.gov/msl/6.jpg',
      takenAt: null,
      sclk: 1000.25,
      width: 1024,
      height: 1024,
      sampleType: 'full',
    });
  });

  it('gives a two-eyed family one eye, the left unless asked, and an instrument its own frames', async () => {
    const ids = async (camera: string, eye?: 'left' | 'right') =>
      (await selectFrames(warehouse, { rover: 'curiosity', camera, solStart: 300, solEnd: 300, ...(eye ? { eye } : {}) })).map((f) => f.imageId);
    expect(await ids('NAVCAM')).toEqual(['L1', 'L2', '950']);
    expect(await ids('navcam', 'right')).toEqual(['R1', 'R2', '951']);
    expect(await ids('NAV_RIGHT_B')).toEqual(['R1', 'R2']);
    expect(await ids('NAV_LEFT_B', 'right')).toEqual(['L1', 'L2']);
    // One lens: no eye to choose.
    expect(await ids('MAHLI', 'right')).toEqual(['M1', 'M2']);
  });

  it('names the cameras there are when the camera is unknown', async () => {
    const error = await selectFrames(warehouse, { rover: 'curiosity', camera: 'CHEMCAM', solStart: 100, solEnd: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SelectionError);
    expect((error as SelectionError).code).toBe('UNKNOWN_CAMERA');
    expect((error as Error).message).toBe('unknown camera CHEMCAM for curiosity (cameras in the warehouse: FHAZ, MAHLI, MAST, NAVCAM, NAV_LEFT_B, NAV_RIGHT_B)');
  });

  it('says which cameras have frames when the range has none of this one', async () => {
    await expect(selectFrames(warehouse, { rover: 'curiosity', camera: 'NAVCAM', solStart: 140, solEnd: 140 })).rejects.toThrow(
      'no full-size NAVCAM frames from curiosity in sol 140; cameras with photos there: MAST',
    );
    await expect(selectFrames(warehouse, { rover: 'curiosity', camera: 'NAVCAM', solStart: 200, solEnd: 210 })).rejects.toThrow(
      'no full-size NAVCAM frames from curiosity in sols 200-210; the warehouse has no photos of those sols',
    );
  });
});
