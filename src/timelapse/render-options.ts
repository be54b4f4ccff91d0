import { z } from 'zod';

/**
 * Quality thresholds. Every default is documented on its field; a request may override any of
 * them. Fractions are of the frame's pixels; brightness is on the 0-255 luma scale.
 */
export const QualityThresholdsSchema = z.object({
  /** A frame whose mean luma is below this is black/blank. Default 8. */
  blackMean: z.number().min(0).max(255).default(8),
  /** A frame whose luma standard deviation is below this is blank (a flat field). Default 2. */
  blankStdDev: z.number().min(0).max(128).default(2),
  /** Over-exposed when more than this fraction of pixels is at 250 or above. Default 0.25. */
  maxBrightClipped: z.number().min(0).max(1).default(0.25),
  /** Under-exposed when more than this fraction of pixels is at 5 or below. Default 0.5. */
  maxDarkClipped: z.number().min(0).max(1).default(0.5),
  /** Over-exposed when the mean luma is above this. Default 235. */
  maxMean: z.number().min(0).max(255).default(235),
  /** Under-exposed when the mean luma is below this (and not black). Default 20. */
  minMean: z.number().min(0).max(255).default(20),
  /** Low information below this Shannon entropy of the luma histogram, in bits. Default 2.5. */
  minEntropy: z.number().min(0).max(8).default(2.5),
  /**
   * First witness of blur: the Laplacian variance is below this fraction of the median of the
   * neighbouring frames (texture differs from scene to scene, so no absolute value works).
   * Default 0.2.
   */
  blurFraction: z.number().min(0).max(1).default(0.2),
  /**
   * Second witness: the perceptual blur score (0 sharp, 1 flat) is above this. Sky and cloud
   * frames have a low Laplacian variance by nature but keep their fine grain, so they score
   * low here and are kept. Default 0.35.
   */
  minBlurScore: z.number().min(0).max(1).default(0.35),
  /**
   * Over-exposed against the neighbours: more than this fraction of the pixels clipped bright
   * beyond the neighbours' median fraction, even under maxBrightClipped. Default 0.1.
   */
  maxBrightClippedRise: z.number().min(0).max(1).default(0.1),
  /** Under-exposed against the neighbours: as maxBrightClippedRise, for pixels clipped dark. Default 0.25. */
  maxDarkClippedRise: z.number().min(0).max(1).default(0.25),
  /**
   * Over- or under-exposed against the neighbours: the mean luma is more than this factor above
   * or below the neighbours' median mean. Soft sky frames among ground frames stay within 1.3
   * and lighting drift moves the median along with it. Default 1.6.
   */
  maxMeanRatio: z.number().min(1).default(1.6),
  /**
   * Frames either side that form the neighbourhood for the medians (blur and exposure): a
   * window, so that a sol's slow change of light is judged locally. Default 12.
   */
  blurWindow: z.number().int().min(1).max(200).default(12),
});
export type QualityThresholds = z.infer<typeof QualityThresholdsSchema>;

export const RenderFormatSchema = z.enum(['mp4', 'webm']);
export type RenderFormat = z.infer<typeof RenderFormatSchema>;

const evenSize = (what: string) =>
  z
    .number()
    .int()
    .min(16)
    .max(4096)
    .refine((n) => n % 2 === 0, { message: `expected an even ${what} (H.264 with yuv420p needs even dimensions)` });

/** `normal`: the frames as they are; `motion`: also the motion view (frame minus the running median of its neighbours). */
export const RenderModeSchema = z.enum(['normal', 'motion']);
export type RenderMode = z.infer<typeof RenderModeSchema>;

/** How the motion view is laid out: alone, or with the frame on its left. */
export const MotionLayoutSchema = z.enum(['single', 'side-by-side']);
export type MotionLayout = z.infer<typeof MotionLayoutSchema>;

/** Frames the motion view's running median spans, the frame itself in the middle: odd, 3-31. */
export const MotionWindowSchema = z
  .number()
  .int()
  .min(3)
  .max(31)
  .refine((n) => n % 2 === 1, { message: 'expected an odd motion window (the frame in the middle)' });

export const RenderOptionsSchema = z.object({
  /** Frames per second of the output. Default 10. */
  fps: z.number().min(1).max(60).default(10),
  /** Output width; default: the dominant source size scaled to fit 1280 wide, made even. */
  width: evenSize('width').optional(),
  /** Output height; default as for width, keeping the source aspect. */
  height: evenSize('height').optional(),
  /** How a frame of another aspect fills the output: bars (`letterbox`) or cut (`crop`). Default letterbox. */
  fit: z.enum(['letterbox', 'crop']).default('letterbox'),
  quality: QualityThresholdsSchema.default(QualityThresholdsSchema.parse({})),
  /**
   * Level each frame's brightness against the median of its neighbours (ffmpeg's deflicker),
   * against flicker. Default false: it costs about 10 ms a frame at 1024x1024 in a single
   * thread ahead of the encoder, a third more time for a render.
   */
  levelBrightness: z.boolean().default(false),
  /** Burn rover, camera, sol and time into the lower left corner. Default false. */
  caption: z.boolean().default(false),
  /**
   * Also make a stabilised video: the frames aligned by phase correlation, the camera's path
   * smoothed over `smoothing` frames either side, zoomed to hide the borders. Default false.
   */
  stabilise: z.boolean().default(false),
  /** Frames either side the stabilised camera path is averaged over; 0 holds every frame on the first. Default 15. */
  smoothing: z.number().int().min(0).max(100).default(15),
  /** Also make the motion view (of the stabilised frames when stabilising). Default normal. */
  mode: RenderModeSchema.default('normal'),
  /** Frames in the motion view's running median. Default 9. */
  motionWindow: MotionWindowSchema.default(9),
  /** The motion view alone or beside the frame. Default single. */
  layout: MotionLayoutSchema.default('single'),
  /** Default mp4 (H.264); webm gives VP9. */
  format: RenderFormatSchema.default('mp4'),
  /** Constant rate factor: lower is better and bigger. Default 23 (x264's own default). */
  crf: z.number().int().min(0).max(51).default(23),
  /** x264 preset; for VP9 it maps onto `-deadline`/`-cpu-used`. Default medium (x264's own default). */
  preset: z
    .enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow', 'slower', 'veryslow'])
    .default('medium'),
});
export type RenderOptions = z.infer<typeof RenderOptionsSchema>;
export type RenderOptionsInput = z.input<typeof RenderOptionsSchema>;
