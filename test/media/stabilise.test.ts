import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMediaTools } from '../../src/media/media-tools.ts';
import { renderViews } from '../../src/media/sequence-views.ts';
import { measureMotion } from '../../src/media/stabilise/measure-motion.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';
import { blockShift } from './support/block-shift.ts';
import { decodeGreyFrames, seededRandom } from './support/video-frames.ts';

/** The real Navcam frame (sol 731, 1288x968) the shaken sequence is cut from. */
const NAVCAM = path.join(nasaFixtures, 'images', 'NRF_0731_0731848568_991ECM_N0361610NCAM12731_04_195J01.png');
const WIDTH = 384;
const HEIGHT = 288;
const FRAMES = 30;
const tools = resolveMediaTools({ ffmpegPath: undefined, ffprobePath: undefined });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

let dir: string;
let cleanup: () => Promise<void>;
let files: string[];
/** Where each frame's window sits, relative to the steady one: the camera's shake. */
let shake: Array<{ x: number; y: number }>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('mars-stabilise'));
  const source = await sharp(NAVCAM).greyscale().raw().toBuffer({ resolveWithObject: true });
  const random = seededRandom(13);
  shake = Array.from({ length: FRAMES }, () => ({ x: Math.round(random() * 40 - 20), y: Math.round(random() * 40 - 20) }));
  files = [];
  for (const [i, s] of shake.entries()) {
    const file = path.join(dir, `shaken-${String(i).padStart(2, '0')}.jpg`);
    // Windows around a spot with horizon and ground, each moved by its shake.
    const jpeg = await sharp(source.data, { raw: source.info })
      .extract({ left: 420 + s.x, top: 330 + s.y, width: WIDTH, height: HEIGHT })
      .jpeg({ quality: 90 })
      .toBuffer();
    await writeFile(file, jpeg);
    files.push(file);
  }
});
afterAll(() => cleanup?.());

describe('stabilisation', () => {
  it('measures each frame-to-frame shift within half a pixel of the known shake', async () => {
    const motions = await measureMotion({ files, source: { width: WIDTH, height: HEIGHT }, output: { width: WIDTH, height: HEIGHT }, fit: 'letterbox', limitInputPixels: 1e8 });
    expect(motions).toHaveLength(FRAMES);
    const errors = motions.slice(1).map((m, i) => {
      // The window moving right moves the content left.
      const expected = { dx: -(shake[i + 1]!.x - shake[i]!.x), dy: -(shake[i + 1]!.y - shake[i]!.y) };
      return Math.hypot(m.dx - expected.dx, m.dy - expected.dy);
    });
    expect(Math.max(...errors)).toBeLessThan(0.5);
  });

  it('takes the median frame-to-frame shift from at least 8 px to at most 1.5 px, measured on the encoded video', async () => {
    const result = await renderViews({
      files,
      source: { width: WIDTH, height: HEIGHT },
      output: { width: WIDTH, height: HEIGHT },
      fit: 'letterbox',
      views: ['normal', 'stabilised'],
      stabilise: { smoothing: 15, maxZoom: 1.5 },
      motion: { window: 9, layout: 'single' },
      encoder: { ffmpegPath: tools.ffmpegPath, fps: 10, format: 'mp4', crf: 18, preset: 'veryfast', levelFrames: 0 },
      dir,
      limitInputPixels: 1e8,
    });
    const shiftsOf = async (file: string) => {
      const video = await decodeGreyFrames(tools, file);
      expect(video.frames).toHaveLength(FRAMES);
      return video.frames.slice(1).map((frame, i) => {
        const s = blockShift(video.frames[i]!, frame, video.width, video.height);
        return Math.hypot(s.dx, s.dy);
      });
    };
    const before = median(await shiftsOf(result.videos.normal!.path));
    const after = median(await shiftsOf(result.videos.stabilised!.path));
    console.log(`median frame-to-frame shift: ${before.toFixed(2)} px before, ${after.toFixed(2)} px after; zoom ${result.stabilisation!.zoom}`);
    expect(before).toBeGreaterThanOrEqual(8);
    expect(after).toBeLessThanOrEqual(1.5);

    const plan = result.stabilisation!;
    expect(plan.transforms).toHaveLength(FRAMES);
    expect(plan.maxCorrection).toBeGreaterThan(plan.meanCorrection);
    expect(plan.zoom).toBeGreaterThan(1);
    expect(result.videos.stabilised!.frames).toBe(FRAMES);
    expect((await sharp(result.videos.stabilised!.poster).metadata()).width).toBe(WIDTH);
  }, 60_000);
});
