import { MarsError } from '../../platform/errors.ts';
import type { RenderOptions } from '../../timelapse/render-options.ts';
import { FrameEncoder } from '../ffmpeg-encoder.ts';
import { probeVideo, type VideoProbe } from '../probe-video.ts';
import type { FramePlan } from './frame-plan.ts';
import type { JudgedFrame } from './judge.ts';

/** Frames brightness is levelled against (ffmpeg's deflicker, median mode): 12 either side. */
export const LEVEL_FRAMES = 25;

export interface EncodeStageSettings {
  ffmpegPath: string;
  plan: Pick<FramePlan, 'input' | 'output'>;
  options: Pick<RenderOptions, 'fit' | 'levelBrightness' | 'fps' | 'format' | 'crf' | 'preset'>;
  outputPath: string;
  /** ffmpeg's threads; 0 for ffmpeg's own choice. */
  threads: number;
  /** Called with the frames written so far after each one. */
  onWritten?: (frames: number) => void;
}

/**
 * The encode stage: accepted frames, in order, into ffmpeg. A raw frame goes as the pixels the
 * pool normalised; otherwise the original file goes as it is, the bytes the pool measured.
 *
 * Without levelling, ffmpeg starts with the stage, before the first frame is judged: its
 * start-up (a process of its own, fluent-ffmpeg's checks of it) then overlaps the judge's
 * first frames, which wait for the judge's lookahead, instead of following them. With
 * levelling, ffmpeg starts once LEVEL_FRAMES frames are accepted (or at the end, with fewer),
 * since its deflicker window must not be longer than the video; until then the frames wait
 * here. Either way the caller aborts the stage if the render fails before finish().
 */
export class EncodeStage {
  private encoder?: FrameEncoder;
  private readonly waiting: Uint8Array[] = [];
  private written = 0;

  constructor(private readonly settings: EncodeStageSettings) {
    if (!settings.options.levelBrightness) this.encoder = this.start(0);
  }

  /** Frames taken so far: each one's index in the video. */
  get frames(): number {
    return this.written;
  }

  /** Takes an accepted frame; resolves when ffmpeg can take more. */
  async write(judged: JudgedFrame): Promise<void> {
    const bytes = this.settings.plan.input.kind === 'raw' ? judged.frame : judged.original;
    if (!bytes) throw new MarsError(`frame ${judged.decision.index} reached the encoder without its ${this.settings.plan.input.kind === 'raw' ? 'pixels' : 'file bytes'}`, 'ENCODE_BAD_FRAME');
    this.written++;
    this.waiting.push(bytes);
    if (!this.encoder && this.waiting.length >= LEVEL_FRAMES) this.encoder = this.start(LEVEL_FRAMES);
    if (this.encoder) await this.flush();
  }

  /** Writes what still waits and lets ffmpeg finish the file. */
  async finish(): Promise<void> {
    this.encoder ??= this.start(this.waiting.length);
    await this.flush();
    await this.encoder.finish();
  }

  /** Stops ffmpeg at once; the partial file is the caller's to delete. */
  abort(): void {
    this.encoder?.abort();
  }

  /** ffmpeg's deflicker window as this video used it, for the manifest. */
  levelling(frames: number): string {
    return this.settings.options.levelBrightness ? `ffmpeg deflicker, median of ${Math.min(LEVEL_FRAMES, frames)} frames` : 'off';
  }

  private start(levelFrames: number): FrameEncoder {
    const { plan, options } = this.settings;
    return new FrameEncoder({
      ffmpegPath: this.settings.ffmpegPath,
      input: plan.input,
      ...plan.output,
      fit: options.fit,
      levelFrames: options.levelBrightness ? levelFrames : 0,
      fps: options.fps,
      format: options.format,
      crf: options.crf,
      preset: options.preset,
      threads: this.settings.threads,
      outputPath: this.settings.outputPath,
    });
  }

  private async flush(): Promise<void> {
    for (const bytes of this.waiting.splice(0)) {
      await this.encoder!.write(bytes);
      this.settings.onWritten?.(this.encoder!.framesWritten);
    }
  }
}

/** Probes the encoded file and fails unless it is exactly the video asked for. */
export async function checkVideo(
  ffprobePath: string,
  file: string,
  expected: { codec: string; frames: number; fps: number; width: number; height: number },
): Promise<VideoProbe> {
  const probe = await probeVideo(ffprobePath, file);
  const problems: string[] = [];
  if (probe.codec !== expected.codec) problems.push(`codec ${probe.codec}, expected ${expected.codec}`);
  if (probe.pixFmt !== 'yuv420p') problems.push(`pixel format ${probe.pixFmt}, expected yuv420p`);
  if (probe.width !== expected.width || probe.height !== expected.height) {
    problems.push(`size ${probe.width}x${probe.height}, expected ${expected.width}x${expected.height}`);
  }
  if (probe.frames !== expected.frames) problems.push(`${probe.frames} frames, expected ${expected.frames}`);
  const duration = expected.frames / expected.fps;
  if (Math.abs(probe.durationSeconds - duration) > 1 / expected.fps + 0.05) {
    problems.push(`duration ${probe.durationSeconds} s, expected ${duration.toFixed(3)} s`);
  }
  if (problems.length > 0) throw new MarsError(`the encoded video failed its check: ${problems.join('; ')}`, 'OUTPUT_CHECK_FAILED', false);
  return probe;
}
