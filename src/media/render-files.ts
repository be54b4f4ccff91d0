import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { analyseFiles, type FileVerdict } from './analyse-files.ts';
import { defaultOutputSize, dominantSize, readImageHeader } from './dominant-size.ts';
import type { FramePool } from './frame-pool.ts';
import { probeVideo, type VideoProbe } from './probe-video.ts';
import { DOWNLOAD_DEFAULTS } from './safe-download.ts';
import { renderViews, viewsSummary, type ViewName } from './sequence-views.ts';
import { MAX_ZOOM } from './stabilise/stabilise-plan.ts';
import { MarsError } from '../platform/errors.ts';
import { RenderOptionsSchema, type RenderOptionsInput } from '../timelapse/render-options.ts';

/**
 * A timelapse from local image files, with no store, queue or warehouse: the same judge,
 * stabiliser, motion view and encoder as a render, one video at `out` and its manifest beside
 * it (`<name>.manifest.json`). What `mars render` runs.
 */

export interface RenderFilesInput {
  files: readonly string[];
  /** The video to write; its extension (.mp4 or .webm) picks the format. */
  out: string;
  options: RenderOptionsInput;
}

export interface RenderFilesResult {
  video: string;
  manifest: string;
  view: ViewName;
  probe: VideoProbe;
  verdicts: FileVerdict[];
  framesAccepted: number;
  framesRejected: number;
  /** Stabilisation (zoom, mean and largest correction) and motion view settings; null for a plain video. */
  views: Record<string, unknown> | null;
}

/** Where the manifest of a video goes: beside it, `clip.mp4` → `clip.manifest.json`. */
export const manifestPathOf = (video: string) => path.join(path.dirname(video), `${path.basename(video, path.extname(video))}.manifest.json`);

export function formatOfPath(file: string): 'mp4' | 'webm' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.mp4') return 'mp4';
  if (ext === '.webm') return 'webm';
  throw new MarsError(`Expected an output file ending in .mp4 or .webm but received ${JSON.stringify(file)}`, 'BAD_OUTPUT');
}

export async function renderFiles(input: RenderFilesInput, deps: { pool: FramePool; ffmpegPath: string; ffprobePath: string }): Promise<RenderFilesResult> {
  const options = RenderOptionsSchema.parse({ ...input.options, format: formatOfPath(input.out) });
  const verdicts = await analyseFiles(input.files, { pool: deps.pool, thresholds: options.quality, limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels });
  const accepted = verdicts.filter((v) => v.accepted).map((v) => v.file);
  if (accepted.length < 2) {
    throw new MarsError(`only ${accepted.length} of ${input.files.length} files passed the quality checks; a timelapse needs at least 2`, 'NOT_ENOUGH_FRAMES');
  }
  const source = dominantSize(await Promise.all(accepted.map((file) => readImageHeader(file))))!;
  const output = defaultOutputSize(source, 1280, { width: options.width, height: options.height });
  const view: ViewName = options.mode === 'motion' ? 'motion' : options.stabilise ? 'stabilised' : 'normal';

  // Written in a folder beside the output, then moved into place: a failed render leaves no half video.
  const work = await mkdtemp(path.join(path.dirname(path.resolve(input.out)), '.render-'));
  try {
    const result = await renderViews({
      files: accepted,
      source,
      output,
      fit: options.fit,
      views: [view],
      stabilise: options.stabilise ? { smoothing: options.smoothing, maxZoom: MAX_ZOOM } : undefined,
      motion: { window: options.motionWindow, layout: options.layout },
      encoder: { ffmpegPath: deps.ffmpegPath, fps: options.fps, format: options.format, crf: options.crf, preset: options.preset, levelFrames: options.levelBrightness ? Math.min(25, accepted.length) : 0 },
      dir: work,
      limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels,
    });
    const video = result.videos[view]!;
    const probe = await probeVideo(deps.ffprobePath, video.path);
    if (probe.frames !== accepted.length) {
      throw new MarsError(`the encoded video has ${probe.frames} frames, expected ${accepted.length}`, 'OUTPUT_CHECK_FAILED');
    }
    let frameIndex = 0;
    const manifest = {
      files: input.files.length,
      parameters: options,
      output: { view, width: probe.width, height: probe.height, fps: options.fps, codec: probe.codec, pixFmt: probe.pixFmt, frames: probe.frames, durationSeconds: probe.durationSeconds, sourceSize: source },
      stabilisation: result.stabilisation,
      motion: result.motion,
      frames: verdicts.map((v) => ({ ...v, frameIndex: v.accepted ? frameIndex++ : null })),
      renderedAt: new Date().toISOString(),
    };
    const manifestPath = manifestPathOf(input.out);
    await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(video.path, input.out);
    return { video: input.out, manifest: manifestPath, view, probe, verdicts, framesAccepted: accepted.length, framesRejected: verdicts.length - accepted.length, views: viewsSummary(result) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
