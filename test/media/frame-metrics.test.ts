import { describe, expect, it } from 'vitest';
import { analysisPlane, BLUR_RADIUS, measureLuma } from '../../src/media/frame-metrics.ts';
import { tileFromPixels } from '../../src/media/contact-sheet.ts';

/** Deterministic pseudo-random bytes: smooth gradients plus noise, so every measure has work. */
function plane(width: number, height: number, channels: number, seed: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  let state = seed;
  for (let i = 0; i < out.length; i++) {
    state = (state * 1103515245 + 12345) >>> 0;
    const p = Math.floor(i / channels);
    out[i] = ((p % width) + Math.floor(p / width) * 2 + (state >>> 27)) & 255;
  }
  return out;
}

/** The measures written plainly, straight from their definitions. */
function reference(data: Uint8Array, width: number, height: number) {
  let lapSum = 0;
  let lapSq = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const v = data[i - 1]! + data[i + 1]! + data[i - width]! + data[i + width]! - 4 * data[i]!;
      lapSum += v;
      lapSq += v * v;
    }
  }
  const n = (width - 2) * (height - 2);
  const laplacianVariance = width < 3 || height < 3 ? 0 : lapSq / n - (lapSum / n) ** 2;
  const at = (x: number, y: number) => data[Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))]!;
  const taps = 2 * BLUR_RADIUS + 1;
  const box = (x: number, y: number, horizontal: boolean) => {
    let sum = 0;
    for (let d = -BLUR_RADIUS; d <= BLUR_RADIUS; d++) sum += horizontal ? at(x + d, y) : at(x, y + d);
    return sum;
  };
  let sumH = 0;
  let keptH = 0;
  for (let y = 0; y < height; y += 2) {
    for (let x = 1; x < width; x++) {
      const dF = Math.abs(at(x, y) - at(x - 1, y)) * taps;
      const dB = Math.abs(box(x, y, true) - box(x - 1, y, true));
      sumH += dF;
      keptH += Math.max(0, dF - dB);
    }
  }
  let sumV = 0;
  let keptV = 0;
  for (let y = 1; y < height; y++) {
    for (let x = 0; x < width; x += 2) {
      const dF = Math.abs(at(x, y) - at(x, y - 1)) * taps;
      const dB = Math.abs(box(x, y, false) - box(x, y - 1, false));
      sumV += dF;
      keptV += Math.max(0, dF - dB);
    }
  }
  const blur =
    width <= taps || height <= taps ? 0 : Math.max(sumH > 0 ? (sumH - keptH) / sumH : 1, sumV > 0 ? (sumV - keptV) / sumV : 1);
  return { laplacianVariance: Number(laplacianVariance.toFixed(3)), blurScore: Number(blur.toFixed(4)) };
}

describe('frame metrics', () => {
  it.each([
    [512, 512, 3],
    [333, 17, 3],
    [640, 427, 1],
    [1000, 700, 3],
    [1300, 900, 4],
    [11, 300, 1],
    [9, 9, 3],
  ])('measures a %ix%i frame of %i channels as the plain definitions do', (width, height, channels) => {
    const pixels = plane(width, height, channels, width * 31 + height);
    const luma = analysisPlane(pixels, width, height, channels);
    const metrics = measureLuma(luma);
    const expected = reference(luma.data, luma.width, luma.height);
    expect(metrics.laplacianVariance).toBe(expected.laplacianVariance);
    expect(metrics.blurScore).toBe(expected.blurScore);
    const histogram = new Array<number>(256).fill(0);
    for (const v of luma.data) histogram[v]!++;
    const mean = luma.data.reduce((a, v) => a + v, 0) / luma.data.length;
    expect(metrics.mean).toBe(Number(mean.toFixed(3)));
    expect(metrics.darkClipped).toBe(Number((histogram.slice(0, 6).reduce((a, n) => a + n, 0) / luma.data.length).toFixed(4)));
  });

  it.each([
    [0, 35],
    [1, 35],
    [4, 64],
    [4, 66],
  ])('computes BT.601 luma per pixel from RGB at byte offset %i, %i pixels', (offset, count) => {
    const backing = plane(count + 8, 1, 3, count);
    const pixels = backing.subarray(offset, offset + count * 3);
    const luma = analysisPlane(pixels, count, 1, 3);
    const expected = Array.from({ length: count }, (_, i) => (77 * pixels[i * 3]! + 150 * pixels[i * 3 + 1]! + 29 * pixels[i * 3 + 2]!) >> 8);
    expect([...luma.data]).toEqual(expected);
  });

  it('makes a contact-sheet tile of 3x3-sample means, letterboxed', () => {
    const pixels = plane(512, 384, 3, 7);
    const tile = tileFromPixels(pixels, 512, 384, 3, 160, 160);
    // 512x384 into 160x160: 160x120 of picture, 20 rows of black above and below.
    expect(tile.subarray(0, 160 * 20 * 3).every((v) => v === 0)).toBe(true);
    const sample = (x: number, y: number, c: number) => pixels[(y * 512 + x) * 3 + c]!;
    const tx = 37;
    const ty = 55;
    const xs = [0, 1, 2].map((i) => Math.floor(((tx * 3 + i + 0.5) / 3) * (512 / 160)));
    const ys = [0, 1, 2].map((i) => Math.floor(((ty * 3 + i + 0.5) / 3) * (384 / 120)));
    for (let c = 0; c < 3; c++) {
      let sum = 0;
      for (const y of ys) for (const x of xs) sum += sample(x, y, c);
      expect(tile[((20 + ty) * 160 + tx) * 3 + c]).toBe(Math.floor((sum + 4) / 9));
    }
  });
});
