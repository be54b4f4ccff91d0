import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import sharp, { type OutputInfo } from 'sharp';
import { z } from 'zod';
import { tileFromPixels } from './contact-sheet.ts';
import { analysisFactor, analysisPlane, measureLuma, type FrameMetrics } from './frame-metrics.ts';
import { looksComplete, sniffImageType } from './image-type.ts';

/**
 * The per-frame work of the pipeline, run in a worker thread of the pool (or inline): decode
 * once, measure, and from the same decoded pixels make the contact-sheet tile and, when the
 * render draws on frames itself, the normalised RGB frame.
 */

export const FrameTaskSchema = z.object({
  path: z.string().min(1),
  /** Refuse to decode images above this many pixels (decompression bombs). */
  limitInputPixels: z.number().int().positive(),
  /** The sequence's dominant source size: only frames of this size are normalised. */
  expected: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
  /** The output frame, for renders that change pixels themselves (captions); omitted otherwise. */
  output: z.object({ width: z.number().int(), height: z.number().int(), fit: z.enum(['letterbox', 'crop']) }).optional(),
  /** Contact-sheet tile size; omitted for no tile. */
  tile: z.object({ width: z.number().int(), height: z.number().int() }).optional(),
});
export type FrameTask = z.infer<typeof FrameTaskSchema>;

export type DecodeFailure = 'not-an-image' | 'truncated' | 'too-many-pixels' | 'undecodable';

export type FrameTaskResult =
  | { ok: false; reason: DecodeFailure; detail: string; bytes: number }
  | {
      ok: true;
      format: string;
      width: number;
      height: number;
      channels: number;
      bytes: number;
      metrics: FrameMetrics;
      /** sha1 of the measuring plane: equal for the same exposure, whatever the file around it. */
      pixelHash: string;
      /** Normalised frame, RGB 8-bit, output.width x output.height. */
      frame?: Uint8Array;
      /** Contact-sheet tile, RGB 8-bit, tile.width x tile.height. */
      tile?: Uint8Array;
    };

function classifyDecodeError(message: string): DecodeFailure {
  if (/pixel limit/i.test(message)) return 'too-many-pixels';
  if (/premature end|truncat|unexpected end|end of (file|stream|data)|read error|not enough data/i.test(message)) return 'truncated';
  return 'undecodable';
}

const BLACK = { r: 0, g: 0, b: 0 };

async function toRgb(
  pixels: Buffer,
  info: { width: number; height: number; channels: 1 | 2 | 3 | 4 },
  width: number,
  height: number,
  fit: 'letterbox' | 'crop',
): Promise<Uint8Array> {
  if (info.channels === 3 && info.width === width && info.height === height) return pixels;
  return sharp(pixels, { raw: info })
    .resize(width, height, { fit: fit === 'crop' ? 'cover' : 'contain', background: BLACK, kernel: 'lanczos3' })
    .toColourspace('srgb')
    .removeAlpha()
    .raw()
    .toBuffer();
}

export async function runFrameTask(task: FrameTask): Promise<FrameTaskResult> {
  let input: Buffer;
  try {
    input = await readFile(task.path);
  } catch (error) {
    return { ok: false, reason: 'undecodable', detail: `cannot read the file: ${error instanceof Error ? error.message : String(error)}`, bytes: 0 };
  }
  const type = sniffImageType(input);
  if (!type) {
    return { ok: false, reason: 'not-an-image', detail: 'the bytes do not start with a known image signature', bytes: input.length };
  }
  if (!looksComplete(input, type)) {
    return { ok: false, reason: 'truncated', detail: `the ${type.format.toUpperCase()} data stops before its end marker`, bytes: input.length };
  }
  let decoded: { data: Buffer; info: OutputInfo };
  let width: number;
  let height: number;
  let format: string;
  let wantFrame: boolean;
  try {
    const image = sharp(input, { failOn: 'truncated', limitInputPixels: task.limitInputPixels }).removeAlpha();
    const meta = await image.metadata();
    format = meta.format ?? 'unknown';
    width = meta.width ?? 0;
    height = meta.height ?? 0;
    const sizeMatches = !task.expected || (task.expected.width === width && task.expected.height === height);
    wantFrame = task.output !== undefined && sizeMatches;
    const factor = analysisFactor(width, height);
    // Without an output frame to make, decode straight at the measuring scale (the encoder
    // decodes the file itself). sharp uses JPEG shrink-on-load only from a 3x reduction on, so a
    // 2x one (641-1280 px frames) is a full decode and a lanczos3 reduce, most of a frame's cost.
    decoded =
      wantFrame || factor === 1
        ? await image.raw().toBuffer({ resolveWithObject: true })
        : await image.resize(Math.floor(width / factor), Math.floor(height / factor)).raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    return { ok: false, reason: classifyDecodeError(detail), detail, bytes: input.length };
  }
  const { data, info } = decoded;
  const raw = { width: info.width, height: info.height, channels: info.channels as 1 | 2 | 3 | 4 };
  const plane = analysisPlane(data, raw.width, raw.height, raw.channels);
  const metrics = measureLuma(plane);
  // The measuring plane stands for the pixels: the same exposure gives the same plane, while
  // two exposures differ in sensor noise everywhere. Hashing it costs a tenth of the full frame.
  const pixelHash = createHash('sha1').update(`${width}x${height}:`).update(plane.data).digest('hex');
  const frame = wantFrame && task.output ? await toRgb(data, raw, task.output.width, task.output.height, task.output.fit) : undefined;
  const tile = task.tile ? tileFromPixels(data, raw.width, raw.height, raw.channels, task.tile.width, task.tile.height) : undefined;
  return { ok: true, format, width, height, channels: raw.channels, bytes: input.length, metrics, pixelHash, frame, tile };
}
