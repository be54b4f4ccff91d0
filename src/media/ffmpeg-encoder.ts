import { once as onceEvent } from 'node:events';
import { PassThrough } from 'node:stream';
import ffmpeg from 'fluent-ffmpeg';
import { MarsError } from '../platform/errors.ts';
import type { RenderFormat } from '../timelapse/render-options.ts';

/**
 * The one module that drives ffmpeg for encoding. fluent-ffmpeg is unmaintained: its percent
 * progress is unreliable with piped frames (frames written are counted instead) and its timeouts do not
 * kill the process, so the caller aborts explicitly; stderr is always drained and its tail
 * kept for error messages.
 */

/**
 * What goes into ffmpeg's stdin: raw RGB frames already at the output size (when the pipeline
 * draws on frames itself), or the original image files as they are (JPEG or PNG), which ffmpeg
 * decodes, scales and fits itself, as a bare ffmpeg encode of the same files would.
 */
export type EncoderInput =
  | { kind: 'raw' }
  | { kind: 'encoded'; codec: 'mjpeg' | 'png'; sourceWidth: number; sourceHeight: number };

export interface EncoderSettings {
  ffmpegPath: string;
  input: EncoderInput;
  /** Output size, even. */
  width: number;
  height: number;
  fit: 'letterbox' | 'crop';
  /**
   * Frames ffmpeg's deflicker filter levels each frame's brightness against (2-129), or 0 for
   * none. Never more than the frames the video will have: this ffmpeg build crashes then.
   */
  levelFrames: number;
  fps: number;
  format: RenderFormat;
  crf: number;
  preset: string;
  /** ffmpeg's threads (decode, filters, encoder). Default 0: ffmpeg's own choice (1.5 per core for x264). */
  threads?: number;
  outputPath: string;
}

export class EncodeError extends MarsError {
  constructor(message: string, readonly stderrTail: string) {
    super(`${message}${stderrTail ? `\nffmpeg said:\n${stderrTail}` : ''}`, 'ENCODE_FAILED', false);
  }
}

/** VP9 speed from the x264 preset names, so one option serves both codecs. */
const VP9_CPU_USED: Record<string, number> = {
  ultrafast: 8, superfast: 7, veryfast: 6, faster: 5, fast: 4, medium: 4, slow: 2, slower: 1, veryslow: 0,
};

/** ffmpeg output arguments for a browser-playable file. */
export function outputArguments(settings: Pick<EncoderSettings, 'format' | 'crf' | 'preset' | 'fps'>): string[] {
  if (settings.format === 'webm') {
    return [
      '-c:v', 'libvpx-vp9', '-crf', String(settings.crf), '-b:v', '0', '-pix_fmt', 'yuv420p',
      '-deadline', 'good', '-cpu-used', String(VP9_CPU_USED[settings.preset] ?? 4), '-row-mt', '1', '-r', String(settings.fps), '-f', 'webm',
    ];
  }
  return [
    '-c:v', 'libx264', '-preset', settings.preset, '-crf', String(settings.crf), '-pix_fmt', 'yuv420p',
    '-movflags', '+faststart', '-r', String(settings.fps), '-f', 'mp4',
  ];
}

/**
 * The normalising filter chain: fit to the output size (bars or crop, aspect kept), grey or
 * full-range input to yuv420p, and brightness levelled against the neighbours' median.
 */
export function filterChain(settings: Pick<EncoderSettings, 'input' | 'width' | 'height' | 'fit' | 'levelFrames'>): string {
  const { width: w, height: h } = settings;
  const filters: string[] = [];
  // Files already at the output size skip scaling and padding: those filters sit in ffmpeg's
  // single filter thread, ahead of the encoder's threads.
  const { input } = settings;
  if (input.kind === 'encoded' && !(input.sourceWidth === w && input.sourceHeight === h)) {
    filters.push(
      settings.fit === 'crop'
        ? `scale=${w}:${h}:force_original_aspect_ratio=increase:flags=lanczos,crop=${w}:${h}`
        : `scale=${w}:${h}:force_original_aspect_ratio=decrease:flags=lanczos,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2:color=black`,
    );
  }
  filters.push('format=yuv420p');
  if (settings.levelFrames >= 2) filters.push(`deflicker=size=${Math.min(129, settings.levelFrames)}:mode=median`);
  filters.push('setsar=1');
  return filters.join(',');
}

const STDERR_LINES = 25;

/** Feeds frames to ffmpeg through stdin, with backpressure. */
export class FrameEncoder {
  private readonly stdin = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  private readonly stderr: string[] = [];
  private readonly done: Promise<void>;
  private readonly command: ffmpeg.FfmpegCommand;
  private failure?: EncodeError;
  private frames = 0;
  private aborted = false;
  /** Bytes of one raw frame; 0 for encoded input, whose files vary. */
  readonly frameBytes: number;

  constructor(private readonly settings: EncoderSettings) {
    const { input } = settings;
    this.frameBytes = input.kind === 'raw' ? settings.width * settings.height * 3 : 0;
    const inputOptions =
      input.kind === 'raw'
        ? ['-f', 'rawvideo', '-pix_fmt', 'rgb24', '-video_size', `${settings.width}x${settings.height}`, '-framerate', String(settings.fps)]
        : ['-f', 'image2pipe', '-c:v', input.codec, '-framerate', String(settings.fps)];
    this.command = ffmpeg()
      .setFfmpegPath(settings.ffmpegPath)
      .input(this.stdin)
      .inputOptions(inputOptions)
      .outputOptions(['-vf', filterChain(settings), ...outputArguments(settings), ...(settings.threads ? ['-threads', String(settings.threads)] : [])])
      .output(settings.outputPath);
    this.done = new Promise<void>((resolve, reject) => {
      this.command
        .on('stderr', (line: string) => {
          this.stderr.push(line);
          if (this.stderr.length > STDERR_LINES) this.stderr.shift();
        })
        .on('error', (error: Error) => {
          this.failure = new EncodeError(
            this.aborted ? 'encoding was stopped' : `ffmpeg failed after ${this.frames} frames: ${error.message.split('\n')[0]}`,
            this.stderr.join('\n'),
          );
          // Unblock a writer waiting for 'drain'.
          this.stdin.destroy();
          reject(this.failure);
        })
        .on('end', () => resolve());
    });
    // Observed through finish(); never an unhandled rejection in between.
    this.done.catch(() => undefined);
    this.command.run();
  }

  get framesWritten(): number {
    return this.frames;
  }

  /** Writes one frame (raw pixels or a whole image file); resolves when ffmpeg can take more. */
  async write(frame: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.frameBytes > 0 && frame.length !== this.frameBytes) {
      throw new MarsError(`frame of ${frame.length} bytes, expected ${this.frameBytes} (${this.settings.width}x${this.settings.height} RGB)`, 'ENCODE_BAD_FRAME');
    }
    this.frames++;
    if (!this.stdin.write(frame)) {
      await Promise.race([onceEvent(this.stdin, 'drain'), this.done.then(() => undefined, () => undefined)]);
      if (this.failure) throw this.failure;
    }
  }

  /** Closes the input and waits for ffmpeg to finish the file. */
  async finish(): Promise<void> {
    this.stdin.end();
    await this.done;
  }

  /** Stops ffmpeg now (SIGKILL); the partial output is the caller's to delete. Safe to call twice. */
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.stdin.destroy();
    this.command.kill('SIGKILL');
  }
}
