import { z } from 'zod';
import { MotionLayoutSchema, MotionWindowSchema } from '../../timelapse/render-options.ts';

/**
 * The motion view: each frame's luma minus the running median of its neighbours, so that what
 * stays (terrain, sky gradient) cancels and what moves (a dust devil, a cloud's shadow) stands
 * out, as NASA shows its dust-devil movies. The difference is stretched around mid-grey: a
 * frame's gain maps the 99.5th percentile of its absolute differences to full contrast. Frames
 * stream through; only the window of luma planes (and, side by side, the frames still waiting
 * for their median) is held.
 */

export const MotionSettingsSchema = z.object({
  /** Frames the running median spans, the frame itself in the middle: odd, 3-31. Default 9. */
  window: MotionWindowSchema.default(9),
  /** `single`: the motion view alone; `side-by-side`: the frame on the left, its motion on the right. Default single. */
  layout: MotionLayoutSchema.default('single'),
});
export type MotionSettings = z.infer<typeof MotionSettingsSchema>;

/** The difference at this percentile of a frame maps to full contrast. */
export const STRETCH_PERCENTILE = 99.5;
/** Differences this small are noise: the gain never makes them more than full contrast. */
const MIN_SPREAD = 4;
const MID_GREY = 128;

export interface MotionStretch {
  /** output = offset + gain * (luma - median of the window), clamped to 0-255 */
  offset: number;
  percentile: number;
  /** Each frame's gain, in video order. */
  gains: number[];
}

function luma(rgb: Uint8Array, pixels: number): Uint8Array {
  const plane = new Uint8Array(pixels);
  for (let i = 0, j = 0; i < pixels; i++, j += 3) plane[i] = (77 * rgb[j]! + 150 * rgb[j + 1]! + 29 * rgb[j + 2]! + 128) >> 8;
  return plane;
}

export class MotionView {
  private readonly pixels: number;
  private readonly radius: number;
  /** Luma planes of the frames pushed, from `first` on: at most the window. */
  private readonly planes: Uint8Array[] = [];
  /** RGB frames still waiting for their motion frame (side by side only). */
  private readonly pending: Uint8Array[] = [];
  private first = 0;
  private pushed = 0;
  private emitted = 0;
  private readonly gains: number[] = [];

  constructor(
    readonly width: number,
    readonly height: number,
    readonly settings: MotionSettings,
  ) {
    this.pixels = width * height;
    this.radius = (settings.window - 1) / 2;
  }

  /** Width of the frames this view gives. */
  get outputWidth(): number {
    return this.settings.layout === 'side-by-side' ? this.width * 2 : this.width;
  }

  /** Takes the next RGB frame; gives the motion frames whose window is now complete. */
  push(rgb: Uint8Array): Uint8Array[] {
    if (rgb.length !== this.pixels * 3) {
      throw new Error(`Expected a ${this.width}x${this.height} RGB frame for the motion view but received ${rgb.length} bytes`);
    }
    this.planes.push(luma(rgb, this.pixels));
    if (this.settings.layout === 'side-by-side') this.pending.push(rgb);
    this.pushed++;
    const ready: Uint8Array[] = [];
    while (this.emitted + this.radius < this.pushed) ready.push(this.emit());
    return ready;
  }

  /** The frames left once the sequence has ended (their windows cut short at the end). */
  finish(): Uint8Array[] {
    const ready: Uint8Array[] = [];
    while (this.emitted < this.pushed) ready.push(this.emit());
    return ready;
  }

  get stretch(): MotionStretch {
    return { offset: MID_GREY, percentile: STRETCH_PERCENTILE, gains: [...this.gains] };
  }

  private emit(): Uint8Array {
    const index = this.emitted++;
    const from = Math.max(0, index - this.radius);
    const to = Math.min(this.pushed - 1, index + this.radius);
    const window = this.planes.slice(from - this.first, to - this.first + 1);
    const frame = this.planes[index - this.first]!;
    const difference = new Int16Array(this.pixels);
    const histogram = new Uint32Array(256);
    const values = new Uint8Array(window.length);
    const middle = window.length >> 1;
    const even = window.length % 2 === 0;
    for (let p = 0; p < this.pixels; p++) {
      // Insertion sort of a handful of values beats any general sort here.
      for (let k = 0; k < window.length; k++) {
        const v = window[k]![p]!;
        let j = k;
        while (j > 0 && values[j - 1]! > v) {
          values[j] = values[j - 1]!;
          j--;
        }
        values[j] = v;
      }
      const median = even ? (values[middle - 1]! + values[middle]!) / 2 : values[middle]!;
      const d = Math.round(frame[p]! - median);
      difference[p] = d;
      histogram[Math.min(255, Math.abs(d))]!++;
    }
    const limit = (this.pixels * STRETCH_PERCENTILE) / 100;
    let spread = 0;
    for (let seen = 0; spread < 255 && seen + histogram[spread]! < limit; spread++) seen += histogram[spread]!;
    const gain = (MID_GREY - 1) / Math.max(MIN_SPREAD, spread);
    this.gains.push(Math.round(gain * 1000) / 1000);

    const outWidth = this.outputWidth;
    const out = new Uint8Array(outWidth * this.height * 3);
    const original = this.settings.layout === 'side-by-side' ? this.pending.shift()! : undefined;
    const left = original ? this.width : 0;
    for (let y = 0; y < this.height; y++) {
      if (original) out.set(original.subarray(y * this.width * 3, (y + 1) * this.width * 3), y * outWidth * 3);
      for (let x = 0; x < this.width; x++) {
        const v = Math.max(0, Math.min(255, Math.round(MID_GREY + gain * difference[y * this.width + x]!)));
        const o = (y * outWidth + left + x) * 3;
        out[o] = v;
        out[o + 1] = v;
        out[o + 2] = v;
      }
    }
    // Planes no later frame's window reaches are dropped.
    while (this.first < this.emitted - this.radius) {
      this.planes.shift();
      this.first++;
    }
    return out;
  }
}
