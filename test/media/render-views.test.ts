import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captionText, drawCaption } from '../../src/media/caption.ts';
import { WorkerFramePool } from '../../src/media/frame-pool.ts';
import { resolveMediaTools } from '../../src/media/media-tools.ts';
import { probeVideo } from '../../src/media/probe-video.ts';
import { renderTimelapse, type RenderInput } from '../../src/media/render-timelapse.ts';
import { loadConfig, type Config } from '../../src/platform/config.ts';
import { silentLogger } from '../../src/platform/logger.ts';
import type { FrameCandidate } from '../../src/timelapse/frame-candidate.ts';
import { timelapseKeys } from '../../src/timelapse/object-keys.ts';
import { DuckDbWarehouse } from '../../src/warehouse/duckdb-warehouse.ts';
import { ensureLineageSchema, LineageStore } from '../../src/warehouse/lineage/lineage-store.ts';
import { startTestS3 } from '../support/s3.ts';
import { tempDir } from '../support/temp.ts';
import { serveBytes, startImageServer } from '../support/media/image-server.ts';
import { shakenFrames } from '../support/media/shaken-sequence.ts';

const FRAMES = 24;
const tools = resolveMediaTools({ ffmpegPath: undefined, ffprobePath: undefined });

describe('renderTimelapse with stabilise and the motion view', () => {
  let s3: Awaited<ReturnType<typeof startTestS3>>;
  let server: Awaited<ReturnType<typeof startImageServer>>;
  let warehouse: DuckDbWarehouse;
  let pool: WorkerFramePool;
  let config: Config;
  let cleanup: () => Promise<void>;
  let dir: string;
  let frames: FrameCandidate[];

  const input = (requestId: string, extra: Partial<RenderInput['options']> = {}, count = FRAMES): RenderInput => ({
    requestId,
    rover: 'Perseverance',
    camera: 'NAVCAM_RIGHT',
    solStart: 731,
    solEnd: 731,
    frames: frames.slice(0, count),
    options: { stabilise: true, mode: 'motion', layout: 'side-by-side', preset: 'veryfast', ...extra },
  });
  const deps = () => ({ store: s3.store, lineage: new LineageStore(warehouse), config, logger: silentLogger, pool });

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('mars-render-views'));
    s3 = await startTestS3();
    server = await startImageServer();
    warehouse = await DuckDbWarehouse.open(path.join(dir, 'w.duckdb'));
    await ensureLineageSchema(warehouse);
    pool = new WorkerFramePool({ threads: 2 });
    config = loadConfig({ DATA_DIR: dir, DOWNLOAD_ALLOWED_HOSTS: '127.0.0.1', LOG_LEVEL: 'silent' });
    const { jpegs } = await shakenFrames(FRAMES, 384, 288);
    frames = jpegs.map((jpeg, i) => {
      const imageId = `NRF_SHAKE_${String(i).padStart(2, '0')}`;
      server.routes.set(`/img/${imageId}.jpg`, serveBytes(jpeg));
      return { imageId, rover: 'Perseverance', camera: 'NAVCAM_RIGHT', sol: 731, imgSrc: `${server.base}/img/${imageId}.jpg`, takenAt: null };
    });
  });

  afterAll(async () => {
    await pool?.close();
    await warehouse?.close();
    await server?.close();
    await s3?.close();
    await cleanup?.();
  });

  it('publishes the stabilised video and the motion view beside the plain one, each with its poster, and records how', async () => {
    const encoded: number[] = [];
    const result = await renderTimelapse(input('views-1'), { ...deps(), onProgress: (p) => p.stage === 'encode' && encoded.push(p.fraction) });
    // The views' pass is the encode stage's second half: its fraction only grows, to 1 once both passes are done.
    expect(encoded).toEqual([...encoded].sort((a, b) => a - b));
    expect(encoded.at(-1)).toBe(1);
    expect(encoded.some((f) => f > 0.45 && f <= 0.5)).toBe(true);
    const keys = timelapseKeys({ rover: 'Perseverance', camera: 'NAVCAM_RIGHT', solStart: 731, solEnd: 731, requestId: 'views-1' }, 'mp4');
    expect(result.keys).toEqual({
      video: keys.video,
      poster: keys.poster,
      contact: keys.contact,
      manifest: keys.manifest,
      stabilised: keys.stabilised,
      stabilisedPoster: keys.stabilisedPoster,
      motion: keys.motion,
      motionPoster: keys.motionPoster,
    });
    expect(result.keys.motion).toBe('timelapses/perseverance/NAVCAM_RIGHT/731-731/views-1/motion.mp4');
    const probe = async (key: string) => {
      const local = path.join(dir, path.basename(key));
      await s3.store.fGet(key, local);
      return probeVideo(tools.ffprobePath, local);
    };
    expect(await probe(result.keys.video)).toMatchObject({ codec: 'h264', width: 384, height: 288, frames: FRAMES });
    expect(await probe(result.keys.stabilised!)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 384, height: 288, frames: FRAMES });
    expect(await probe(result.keys.motion!)).toMatchObject({ codec: 'h264', pixFmt: 'yuv420p', width: 768, height: 288, frames: FRAMES });
    expect((await s3.store.stat(result.keys.motionPoster!))?.size).toBeGreaterThan(1000);
    expect((await s3.store.stat(result.keys.stabilisedPoster!))?.size).toBeGreaterThan(1000);

    const manifest = (await s3.store.getJson(result.keys.manifest)) as {
      objects: Record<string, string>;
      stabilisation: { zoom: number; meanCorrection: number; maxCorrection: number; transforms: Array<{ frame: number; correction: { dx: number; dy: number } }> };
      motion: { window: number; layout: string; alignedFirst: boolean; stretch: { gains: number[] } };
    };
    expect(manifest.objects).toEqual(result.keys);
    expect(manifest.stabilisation.transforms.map((t) => t.frame)).toEqual(Array.from({ length: FRAMES }, (_, i) => i));
    expect(manifest.stabilisation.maxCorrection).toBeGreaterThan(manifest.stabilisation.meanCorrection);
    expect(manifest.stabilisation.meanCorrection).toBeGreaterThan(3);
    expect(manifest.motion).toMatchObject({ window: 9, layout: 'side-by-side', alignedFirst: true });
    expect(manifest.motion.stretch.gains).toHaveLength(FRAMES);

    const run = await new LineageStore(warehouse).getRun('views-1');
    expect(run).toMatchObject({ status: 'completed', mode: 'motion', stabilised: true, stabilisedVideoKey: keys.stabilised, motionVideoKey: keys.motion });
    expect(run!.viewParameters).toMatchObject({
      stabilisation: { method: 'phase-correlation', smoothing: 15, zoom: manifest.stabilisation.zoom, meanCorrection: manifest.stabilisation.meanCorrection, maxCorrection: manifest.stabilisation.maxCorrection },
      motion: { window: 9, layout: 'side-by-side', alignedFirst: true },
    });
    // The README's query for the motion videos of a sol range.
    const rows = await warehouse.query(
      `SELECT r.request_id, r.motion_video_key, r.stabilised, r.view_parameters->>'$.motion.window' AS motion_window
       FROM MARS_LINEAGE.RENDER_RUNS r
       WHERE r.mode = 'motion' AND r.status = 'completed' AND r.motion_video_key IS NOT NULL AND r.sol_start <= 740 AND r.sol_end >= 720
       ORDER BY r.sol_start, r.finished_at`,
    );
    expect(rows).toEqual([{ request_id: 'views-1', motion_video_key: keys.motion, stabilised: true, motion_window: '9' }]);

    // A repeat answers with the recorded keys, the views' included.
    const again = await renderTimelapse(input('views-1'), deps());
    expect(again.keys).toEqual(result.keys);
  }, 180_000);

  it('draws the caption on the stabilised and motion videos as on the plain one, over the aligned pixels', async () => {
    const result = await renderTimelapse(input('views-caption', { caption: true }, 12), deps());
    const text = captionText(frames[0]!);
    // Where the caption's glyphs and its darkened band fall on a frame of this width.
    const mask = (width: number, height: number) => {
      const white = new Uint8Array(width * height * 3).fill(200);
      drawCaption(white, width, height, text);
      return { glyph: (i: number) => white[i] === 255, band: (i: number) => white[i] === 50 };
    };
    for (const key of [result.keys.poster, result.keys.stabilisedPoster!, result.keys.motionPoster!]) {
      const { data, info } = await sharp(await s3.store.getBuffer(key)).raw().toBuffer({ resolveWithObject: true });
      const { glyph, band } = mask(info.width, info.height);
      let glyphSum = 0, glyphs = 0, bandSum = 0, bands = 0;
      for (let i = 0; i < data.length; i += info.channels) {
        if (glyph(i)) (glyphSum += data[i]!), glyphs++;
        else if (band(i)) (bandSum += data[i]!), bands++;
      }
      expect(glyphs, key).toBeGreaterThan(100);
      // White text on a band at a quarter of the scene's brightness (JPEG blurs the edges).
      expect(glyphSum / glyphs, key).toBeGreaterThan(170);
      expect(bandSum / bands, key).toBeLessThan(60);
    }
  }, 180_000);
});
