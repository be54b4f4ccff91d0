import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMediaTools } from '../../src/media/media-tools.ts';
import { renderViews } from '../../src/media/sequence-views.ts';
import { measureMotion } from '../../src/media/stabilise/measure-motion.ts';
import { tempDir } from '../support/temp.ts';
import { blockShift } from '../support/media/block-shift.ts';
import { shakenFrames } from '../support/media/shaken-sequence.ts';
import { decodeGreyFrames } from '../support/media/video-frames.ts';

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
  const shaken = await shakenFrames(FRAMES, WIDTH, HEIGHT);
  shake = shaken.shake;
  files = [];
  for (const [i, jpeg] of shaken.jpegs.entries()) {
    const file = path.join(dir, `shaken-${String(i).padStart(2, '0')}.jpg`);
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
  }, 180_000);
});
