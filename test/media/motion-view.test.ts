import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveMediaTools } from '../../src/media/media-tools.ts';
import { MotionView } from '../../src/media/motion/motion-view.ts';
import { renderViews } from '../../src/media/sequence-views.ts';
import { nasaFixtures, tempDir } from '../support/temp.ts';
import { decodeGreyFrames, seededRandom } from '../support/media/video-frames.ts';

/** Real Navcam terrain and horizon (sol 670, 1288x968): the background the faint plume crosses. */
const NAVCAM = path.join(nasaFixtures, 'images', 'NLF_0670_0726421423_362ECM_N0320604NCAM08111_01_095J01.png');
const WIDTH = 384;
const HEIGHT = 288;
const FRAMES = 26;
const BOX = 32;
const tools = resolveMediaTools({ ffmpegPath: undefined, ffprobePath: undefined });
/** The plume's centre in frame i: 10 px a frame, left to right, across the terrain. */
const plumeAt = (i: number) => ({ x: 50 + 10 * i, y: 170 });

let dir: string;
let cleanup: () => Promise<void>;
let files: string[];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('mars-motion'));
  const background = await sharp(NAVCAM).greyscale().extract({ left: 450, top: 380, width: WIDTH, height: HEIGHT }).raw().toBuffer();
  const random = seededRandom(6);
  files = [];
  for (let i = 0; i < FRAMES; i++) {
    const frame = new Uint8Array(WIDTH * HEIGHT);
    const { x: px, y: py } = plumeAt(i);
    for (let y = 0; y < HEIGHT; y++) {
      for (let x = 0; x < WIDTH; x++) {
        // A soft disc 6 grey levels brighter, over sensor-like noise of a level or two.
        const r = Math.hypot(x - px, y - py);
        const plume = r < 12 ? 6 : r < 16 ? 6 * (16 - r) / 4 : 0;
        const noise = Math.round((random() - 0.5) * 3);
        frame[y * WIDTH + x] = Math.max(0, Math.min(255, Math.round(background[y * WIDTH + x]! + plume + noise)));
      }
    }
    const file = path.join(dir, `plume-${String(i).padStart(2, '0')}.png`);
    await writeFile(file, await sharp(frame, { raw: { width: WIDTH, height: HEIGHT, channels: 1 } }).png().toBuffer());
    files.push(file);
  }
});
afterAll(() => cleanup?.());

const meanOf = (frame: Uint8Array, width: number, left: number, top: number) => {
  let sum = 0;
  for (let y = top; y < top + BOX; y++) for (let x = left; x < left + BOX; x++) sum += frame[y * width + x]!;
  return sum / (BOX * BOX);
};

/** Frames in which the box on the plume is brighter than every box of the grid clear of it. */
function plumeBrightest(frames: Uint8Array[], width: number, height: number): number {
  let count = 0;
  frames.forEach((frame, i) => {
    const p = plumeAt(i);
    const plume = meanOf(frame, width, p.x - BOX / 2, p.y - BOX / 2);
    let other = -Infinity;
    for (let top = 0; top + BOX <= height; top += BOX / 2) {
      for (let left = 0; left + BOX <= width; left += BOX / 2) {
        const clear = Math.abs(left + BOX / 2 - p.x) >= BOX || Math.abs(top + BOX / 2 - p.y) >= BOX;
        if (clear) other = Math.max(other, meanOf(frame, width, left, top));
      }
    }
    if (plume > other) count++;
  });
  return count;
}

describe('motion view', () => {
  it('makes a faint moving plume the brightest thing in at least 90% of frames, where the plain video does not', async () => {
    const result = await renderViews({
      files,
      source: { width: WIDTH, height: HEIGHT },
      output: { width: WIDTH, height: HEIGHT },
      fit: 'letterbox',
      views: ['normal', 'motion'],
      motion: { window: 9, layout: 'single' },
      encoder: { ffmpegPath: tools.ffmpegPath, fps: 10, format: 'mp4', crf: 20, preset: 'veryfast', levelFrames: 0 },
      dir,
      limitInputPixels: 1e8,
    });
    const motion = await decodeGreyFrames(tools, result.videos.motion!.path);
    const normal = await decodeGreyFrames(tools, result.videos.normal!.path);
    expect(motion.frames).toHaveLength(FRAMES);
    expect(normal.frames).toHaveLength(FRAMES);
    const inMotion = plumeBrightest(motion.frames, WIDTH, HEIGHT);
    const inNormal = plumeBrightest(normal.frames, WIDTH, HEIGHT);
    console.log(`plume brightest in ${inMotion}/${FRAMES} motion frames, ${inNormal}/${FRAMES} plain frames`);
    expect(inMotion / FRAMES).toBeGreaterThanOrEqual(0.9);
    expect(inNormal / FRAMES).toBeLessThan(0.5);
    expect(result.motion!.stretch.gains).toHaveLength(FRAMES);
    expect(result.motion!.alignedFirst).toBe(false);
  }, 180_000);

  it('puts the frame on the left and its motion on the right, side by side, holding only the window', () => {
    const view = new MotionView(4, 2, { window: 3, layout: 'side-by-side' });
    const frame = (v: number) => new Uint8Array(4 * 2 * 3).fill(v);
    expect(view.push(frame(10))).toHaveLength(0);
    const ready = [...view.push(frame(10)), ...view.push(frame(40)), ...view.finish()];
    expect(ready).toHaveLength(3);
    expect(view.outputWidth).toBe(8);
    // Frame 2 (40) against the median of 10 and 40 (its window cut short at the end): 25, so +15.
    const last = ready[2]!;
    expect([...last.subarray(0, 3)]).toEqual([40, 40, 40]);
    expect(last[4 * 3]).toBeGreaterThan(128);
    // Frame 0 matches its window's median: mid-grey.
    expect(ready[0]![4 * 3]).toBe(128);
    expect(view.stretch.gains).toHaveLength(3);
  });
});
