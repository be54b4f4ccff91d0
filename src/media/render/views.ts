import type { RenderOptions } from '../../timelapse/render-options.ts';
import { DOWNLOAD_DEFAULTS } from '../safe-download.ts';
import { renderViews, viewsSummary, type ViewName, type ViewsResult } from '../sequence-views.ts';
import { MAX_ZOOM } from '../stabilise/stabilise-plan.ts';
import { checkVideo, LEVEL_FRAMES } from './encode.ts';
import type { FramePlan } from './frame-plan.ts';

/** A video made beside the plain one, checked and ready to publish. */
export interface ViewOutput {
  videoPath: string;
  poster: Buffer;
}

export interface ViewsStageResult {
  stabilised?: ViewOutput;
  motion?: ViewOutput;
  /** For the manifest: every frame's transform, the motion view's stretch. */
  manifest: Pick<ViewsResult, 'stabilisation' | 'motion'>;
  /** For RENDER_RUNS.view_parameters: the same without the per-frame lists. */
  summary: Record<string, unknown> | null;
}

/** The views a request asks for besides the plain video. */
export function viewsAskedFor(options: Pick<RenderOptions, 'stabilise' | 'mode'>): ViewName[] {
  return [...(options.stabilise ? (['stabilised'] as const) : []), ...(options.mode === 'motion' ? (['motion'] as const) : [])];
}

/**
 * The views stage, after the plain video: the stabilised video and the motion view from the
 * accepted frames' files (a pass of their own; see sequence-views.ts), each checked like the
 * plain video. Captions, when given (one per file), are drawn on them as on the plain video.
 */
export async function renderViewsStage(
  files: readonly string[],
  settings: {
    ffmpegPath: string;
    ffprobePath: string;
    plan: Pick<FramePlan, 'source' | 'output'>;
    options: RenderOptions;
    captions?: readonly string[];
    dir: string;
    signal?: AbortSignal;
    onFrame?: (done: number, total: number) => void;
  },
): Promise<ViewsStageResult> {
  const { options, plan } = settings;
  const views = viewsAskedFor(options);
  if (views.length === 0 || !plan.source) return { manifest: {}, summary: null };
  const result = await renderViews({
    files,
    source: plan.source,
    output: plan.output,
    fit: options.fit,
    views,
    stabilise: options.stabilise ? { smoothing: options.smoothing, maxZoom: MAX_ZOOM } : undefined,
    motion: { window: options.motionWindow, layout: options.layout },
    captions: settings.captions,
    encoder: {
      ffmpegPath: settings.ffmpegPath,
      fps: options.fps,
      format: options.format,
      crf: options.crf,
      preset: options.preset,
      levelFrames: options.levelBrightness ? Math.min(LEVEL_FRAMES, files.length) : 0,
    },
    dir: settings.dir,
    limitInputPixels: DOWNLOAD_DEFAULTS.maxPixels,
    signal: settings.signal,
    onFrame: settings.onFrame,
  });
  const outputs: Partial<Record<'stabilised' | 'motion', ViewOutput>> = {};
  for (const view of views) {
    const video = result.videos[view]!;
    await checkVideo(settings.ffprobePath, video.path, {
      codec: options.format === 'mp4' ? 'h264' : 'vp9',
      frames: files.length,
      fps: options.fps,
      width: video.width,
      height: video.height,
    });
    outputs[view as 'stabilised' | 'motion'] = { videoPath: video.path, poster: video.poster };
  }
  return { ...outputs, manifest: { stabilisation: result.stabilisation, motion: result.motion }, summary: viewsSummary(result) };
}
