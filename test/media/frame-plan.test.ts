import { describe, expect, it } from 'vitest';
import { planFrames } from '../../src/media/render/frame-plan.ts';

const plan = (frames: number, width: number, height: number) =>
  planFrames(Array.from({ length: frames }, () => ({ width, height, format: 'jpeg' })), { caption: false });
const sheetPixels = (p: ReturnType<typeof plan>) => p.sheet.size * p.tile.width * p.tile.height;

describe('planFrames', () => {
  it('gives contact-sheet tiles 160 px wide in the output aspect up to 300 square tiles', () => {
    expect(plan(306, 320, 240).tile).toEqual({ width: 160, height: 120 });
    expect(plan(300, 1024, 1024).tile).toEqual({ width: 160, height: 160 });
  });

  it('shrinks the tiles of a long sequence so that its sheet holds no more pixels than a 300-frame one', () => {
    const long = plan(1000, 1024, 1024);
    expect(long.sheet.size).toBe(600);
    expect(long.tile).toEqual({ width: 114, height: 114 });
    expect(sheetPixels(long) / sheetPixels(plan(300, 1024, 1024))).toBeLessThan(1.02);
  });

  it('sends original JPEG files to ffmpeg without captions, raw frames with them', () => {
    expect(plan(10, 1024, 1024).input).toEqual({ kind: 'encoded', codec: 'mjpeg', sourceWidth: 1024, sourceHeight: 1024 });
    expect(planFrames([{ width: 1024, height: 1024, format: 'jpeg' }], { caption: true }).input).toEqual({ kind: 'raw' });
  });
});
