import type { Shift } from './phase-correlation.ts';

/**
 * From the measured frame-to-frame motion to the correction of each frame: the camera's path is
 * the running sum of the measured shifts; the path kept is its moving average over
 * `smoothing` frames either side (a slow pan stays, the shake goes), or, with smoothing 0, the
 * first frame's position (a fixed camera). One zoom for the whole video hides the borders the
 * largest correction would show.
 */

export interface StabiliseSettings {
  /** Frames either side the camera path is averaged over; 0 holds every frame on the first. */
  smoothing: number;
  /** The most the frame is enlarged to hide the borders; larger corrections show black edges. */
  maxZoom: number;
}

/** One frame's measured motion and the correction applied to it, in output pixels. */
export interface FrameTransform {
  /** Position in the video. */
  frame: number;
  /** Motion of the content since the previous frame (0 for the first). */
  motion: { dx: number; dy: number };
  /** Phase-correlation peak of that measurement: near 0 means the frames did not match. */
  peak: number;
  /** Shift applied to the frame's content. */
  correction: { dx: number; dy: number };
}

export interface StabilisePlan {
  method: 'phase-correlation';
  smoothing: number;
  zoom: number;
  transforms: FrameTransform[];
  /** Mean and largest length of the corrections, in output pixels. */
  meanCorrection: number;
  maxCorrection: number;
}

/** The most a stabilised frame is enlarged to hide its borders: a third of it cut at most. */
export const MAX_ZOOM = 1.5;

/**
 * A measurement below this peak height is no measurement: the frames share too little (a jump
 * between scenes, a changed exposure) and the motion is taken as none.
 */
export const MIN_PEAK = 0.03;

const round = (n: number) => Math.round(n * 100) / 100;

export function planStabilisation(
  motions: readonly Shift[],
  output: { width: number; height: number },
  settings: StabiliseSettings,
): StabilisePlan {
  const path: Array<{ x: number; y: number }> = [];
  let x = 0;
  let y = 0;
  motions.forEach((m, i) => {
    if (i > 0 && m.peak >= MIN_PEAK) {
      x += m.dx;
      y += m.dy;
    }
    path.push({ x, y });
  });
  const kept = path.map((_, i) => {
    if (settings.smoothing === 0) return { x: 0, y: 0 };
    const from = Math.max(0, i - settings.smoothing);
    const to = Math.min(path.length - 1, i + settings.smoothing);
    let sx = 0;
    let sy = 0;
    for (let j = from; j <= to; j++) {
      sx += path[j]!.x;
      sy += path[j]!.y;
    }
    return { x: sx / (to - from + 1), y: sy / (to - from + 1) };
  });
  const corrections = path.map((p, i) => ({ dx: kept[i]!.x - p.x, dy: kept[i]!.y - p.y }));
  const marginX = Math.max(0, ...corrections.map((c) => Math.abs(c.dx)));
  const marginY = Math.max(0, ...corrections.map((c) => Math.abs(c.dy)));
  const needed = Math.max(
    output.width / Math.max(1, output.width - 2 * marginX),
    output.height / Math.max(1, output.height - 2 * marginY),
  );
  const lengths = corrections.map((c) => Math.hypot(c.dx, c.dy));
  return {
    method: 'phase-correlation',
    smoothing: settings.smoothing,
    zoom: round(Math.min(settings.maxZoom, needed)),
    transforms: motions.map((m, i) => ({
      frame: i,
      motion: { dx: round(i === 0 ? 0 : m.dx), dy: round(i === 0 ? 0 : m.dy) },
      peak: round(i === 0 ? 1 : m.peak),
      correction: { dx: round(corrections[i]!.dx), dy: round(corrections[i]!.dy) },
    })),
    meanCorrection: round(lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length)),
    maxCorrection: round(Math.max(0, ...lengths)),
  };
}
