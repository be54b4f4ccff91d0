import path from 'node:path';
import sharp from 'sharp';
import { outputJpeg } from './jpeg-output.ts';
import { drawCaption } from './caption.ts';
import { FrameEncoder } from './ffmpeg-encoder.ts';
import { normalisedFrame } from './frame-task.ts';
import { MotionView, type MotionSettings, type MotionStretch } from './motion/motion-view.ts';
import { measureMotion } from './stabilise/measure-motion.ts';
import { planStabilisation, type StabilisePlan, type StabiliseSettings } from './stabilise/stabilise-plan.ts';
import { warpFrame } from './stabilise/warp-frame.ts';
import type { RenderFormat } from '../timelapse/render-options.ts';

/**
 * The videos made from accepted frames decoded to raw pixels: the plain video (`normal`), the
 * stabilised one, and the motion view (of the stabilised frames when stabilising: align first,
 * then difference). Stabilisation measures in a first pass over the files and keeps only the
 * transforms; the second pass decodes each frame once and feeds every video asked for, so no
 * more than the motion view's window of frames is ever held.
 */

export type ViewName = 'normal' | 'stabilised' | 'motion';

export interface ViewsInput {
  /** Accepted frames in video order, all of the source size. */
  files: readonly string[];
  source: { width: number; height: number };
  output: { width: number; height: number };
  fit: 'letterbox' | 'crop';
  /** `stabilised` needs `stabilise`; `motion` is of the aligned frames when `stabilise` is given. */
  views: readonly ViewName[];
  /** Align the frames (the stabilised view, and the motion view made from it); omitted: no alignment. */
  stabilise?: StabiliseSettings;
  motion: MotionSettings;
  /** One caption per file, drawn on every view's frame after alignment and differencing; omitted: none. */
  captions?: readonly string[];
  encoder: { ffmpegPath: string; fps: number; format: RenderFormat; crf: number; preset: string; levelFrames: number };
  /** Where the videos are written: `<view>.<format>`. */
  dir: string;
  limitInputPixels: number;
  signal?: AbortSignal;
  /** Called after each frame of the second pass. */
  onFrame?: (done: number, total: number) => void;
}

export interface ViewVideo {
  path: string;
  width: number;
  height: number;
  frames: number;
  /** The middle frame as a JPEG. */
  poster: Buffer;
}

export interface ViewsResult {
  videos: Partial<Record<ViewName, ViewVideo>>;
  /** Present when the stabilised or a stabilised motion view was made. */
  stabilisation?: StabilisePlan;
  /** Present with the motion view. */
  motion?: MotionSettings & { stretch: MotionStretch; alignedFirst: boolean };
}

interface Output {
  encoder: FrameEncoder;
  width: number;
  written: number;
  poster?: Promise<Buffer>;
}

export async function renderViews(input: ViewsInput): Promise<ViewsResult> {
  const { output, files } = input;
  const wanted = new Set(input.views);
  if (wanted.size === 0) return { videos: {} };
  if (wanted.has('stabilised') && !input.stabilise) throw new Error('Expected stabilise settings for the stabilised view');
  const stabilising = input.stabilise !== undefined && (wanted.has('stabilised') || wanted.has('motion'));
  const plan = stabilising
    ? planStabilisation(
        await measureMotion({ files, source: input.source, output, fit: input.fit, limitInputPixels: input.limitInputPixels, signal: input.signal }),
        output,
        input.stabilise!,
      )
    : undefined;
  const motion = wanted.has('motion') ? new MotionView(output.width, output.height, input.motion) : undefined;
  const posterAt = Math.floor(files.length / 2);
  const outputs = new Map<ViewName, Output>();
  for (const view of wanted) {
    const width = view === 'motion' ? motion!.outputWidth : output.width;
    outputs.set(view, {
      width,
      written: 0,
      encoder: new FrameEncoder({
        ffmpegPath: input.encoder.ffmpegPath,
        input: { kind: 'raw' },
        width,
        height: output.height,
        fit: input.fit,
        // Levelling would undo the motion view's stretch.
        levelFrames: view === 'motion' ? 0 : input.encoder.levelFrames,
        fps: input.encoder.fps,
        format: input.encoder.format,
        crf: input.encoder.crf,
        preset: input.encoder.preset,
        outputPath: path.join(input.dir, `${view}.${input.encoder.format}`),
      }),
    });
  }
  const write = async (view: ViewName, pixels: Uint8Array) => {
    const out = outputs.get(view)!;
    // On a copy: the same pixels may feed another view, the motion window, or ffmpeg's pipe still.
    const frame = input.captions ? captioned(pixels, out.width, output.height, input.captions[out.written]!) : pixels;
    if (out.written === posterAt) {
      out.poster = sharp(frame, { raw: { width: out.width, height: output.height, channels: 3 } }).jpeg(outputJpeg(88)).toBuffer();
      out.poster.catch(() => undefined);
    }
    out.written++;
    await out.encoder.write(frame);
  };

  try {
    const decode = (file: string) => {
      const job = normalisedFrame(file, { failOn: 'truncated', limitInputPixels: input.limitInputPixels }, { ...output, fit: input.fit });
      job.catch(() => undefined);
      return job;
    };
    let next = decode(files[0]!);
    for (let index = 0; index < files.length; index++) {
      input.signal?.throwIfAborted();
      const decoded = new Uint8Array(await next);
      if (index + 1 < files.length) next = decode(files[index + 1]!);
      if (wanted.has('normal')) await write('normal', decoded);
      const frame = plan ? warpFrame(decoded, output.width, output.height, 3, plan.transforms[index]!.correction, plan.zoom) : decoded;
      if (wanted.has('stabilised')) await write('stabilised', frame);
      if (motion) for (const moved of motion.push(frame)) await write('motion', moved);
      input.onFrame?.(index + 1, files.length);
    }
    if (motion) for (const moved of motion.finish()) await write('motion', moved);
    await Promise.all([...outputs.values()].map((out) => out.encoder.finish()));
  } catch (error) {
    for (const out of outputs.values()) out.encoder.abort();
    throw error;
  }

  const videos: ViewsResult['videos'] = {};
  for (const [view, out] of outputs) {
    videos[view] = {
      path: path.join(input.dir, `${view}.${input.encoder.format}`),
      width: out.width,
      height: output.height,
      frames: out.written,
      poster: await out.poster!,
    };
  }
  return {
    videos,
    stabilisation: plan,
    motion: motion ? { ...input.motion, stretch: motion.stretch, alignedFirst: stabilising } : undefined,
  };
}

function captioned(pixels: Uint8Array, width: number, height: number, text: string): Uint8Array {
  const frame = new Uint8Array(pixels);
  drawCaption(frame, width, height, text);
  return frame;
}

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[values.length >> 1] ?? null;

/**
 * The views' parameters and results without the per-frame lists: what RENDER_RUNS.view_parameters
 * holds and `mars render` prints. Null when no view needed either.
 */
export function viewsSummary(result: ViewsResult): Record<string, unknown> | null {
  const { stabilisation, motion } = result;
  if (!stabilisation && !motion) return null;
  return {
    ...(stabilisation
      ? { stabilisation: { method: stabilisation.method, smoothing: stabilisation.smoothing, zoom: stabilisation.zoom, meanCorrection: stabilisation.meanCorrection, maxCorrection: stabilisation.maxCorrection } }
      : {}),
    ...(motion
      ? {
          motion: {
            window: motion.window,
            layout: motion.layout,
            alignedFirst: motion.alignedFirst,
            stretch: { offset: motion.stretch.offset, percentile: motion.stretch.percentile, gainMin: Math.min(...motion.stretch.gains), gainMedian: median(motion.stretch.gains), gainMax: Math.max(...motion.stretch.gains) },
          },
        }
      : {}),
  };
}
